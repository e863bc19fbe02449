"""The Gridlock app: holds the session and one immutable Frame; screens draw it and send intents."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive

from ..saves import SaveError
from ..session import Session, SessionError, default_saves_dir, unfinished_autosave
from .frame import Frame, frame_of
from .hangup import EndsOnHangup
from .screens.game import GameScreen
from .screens.game_over import GameOverScreen
from .screens.handover import HandoverScreen
from .screens.report import ReportScreen

# The rules (a Markdown viewer), the new-game screen and the save dialogs are imported where
# they open: `gridlock play` shows the dashboard first, and launch time is part of the game.


class GridlockApp(EndsOnHangup):
    CSS_PATH = Path(__file__).with_name("gridlock.tcss")  # absolute, so subclasses elsewhere find it
    TITLE = "Gridlock"
    BINDINGS = [
        Binding("f1,question_mark", "help", "Rules"),
        Binding("s", "save", "Save"),
        Binding("l", "load", "Load"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    frame: reactive[Frame | None] = reactive(None, always_update=True)

    def __init__(self, session: Session | None = None, saves_dir: Path | str | None = None, scenario: str | None = None, seed: int | None = None, replay=None):
        super().__init__()
        self.replay = replay  # a screens.replay.Replay to step through (gridlock replay)
        self.animation_level = "none"  # a trading terminal: screens change at once, nothing slides
        self.session = session
        self.saves_dir = Path(saves_dir) if saves_dir is not None else session.saves_dir if session is not None else default_saves_dir()
        self.start_scenario, self.start_seed = scenario, seed
        self.seat_index = 0  # which human (hot-seat) is entering orders
        self.remembered: dict[tuple[str, str, str], str] = {}  # (seat, order kind, field) -> last choice

    def on_mount(self) -> None:
        self.end_on_hangup()
        if self.replay is not None:
            from .screens.replay import ReplayScreen

            self.push_screen(ReplayScreen(self.replay))
            return
        if self.session is not None:
            self._open_quarter()
            return
        from .screens.new_game import NewGameScreen
        from .screens.saves import ContinueDialog

        self.push_screen(NewGameScreen(self.start_seed, self.start_scenario))
        found = unfinished_autosave(self.saves_dir)
        if found is not None:
            path, about = found
            self.push_screen(ContinueDialog(about), lambda yes: self._load(path) if yes else None)

    def before_hangup_exit(self) -> None:
        """Keep the game where a restart finds it."""
        if self.session is not None and not self.session.finished:
            self.session.autosave()

    # ---- starting and loading -----------------------------------------------------------------
    def start_game(self, scenario: str, seed: int, seats: dict[str, str]) -> None:
        try:
            self.session = Session.start(scenario, seed, seats, self.saves_dir)
        except (SessionError, ValueError) as e:
            self.notify(str(e), severity="error")
            return
        self.session.autosave()
        self._open_quarter()

    def play_branch(self, session: Session) -> None:
        """Play on from a game branched off a replay (it replaces the replay)."""
        self.session = session
        session.autosave()
        self._open_quarter()

    def _load(self, path: str | Path) -> None:
        try:
            self.session = Session.load(path, self.saves_dir)
        except (SaveError, ValueError) as e:
            self.notify(str(e), severity="error", timeout=8)
            return
        self.notify(f"Loaded {path}", timeout=3)
        self._open_quarter()

    def _reset_to(self, screen) -> None:
        """Replace everything above the bottom screen with `screen`."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) == 2:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    # ---- the quarter --------------------------------------------------------------------------
    def _open_quarter(self, prepared: Frame | None = None) -> None:
        s = self.session
        if s.finished:
            self.frame = None
            self._reset_to(GameOverScreen(s))
            return
        self.seat_index = 0
        if not s.humans_alive:  # every person's company is bankrupt: the agents play on, a report a quarter
            self.notify("Your company is out of the game; the others play on. Enter moves to the next quarter.", timeout=6)
            self.resolve_quarter()
            return
        if isinstance(self.screen, GameScreen) and self.screen.session is s:
            self.screen.set_busy(False)  # the same screen, redrawn from the new quarter's frame
        else:
            self._reset_to(GameScreen(s))
        self._hand_to_seat(prepared)

    def _hand_to_seat(self, prepared: Frame | None = None) -> None:
        s = self.session
        seat = s.humans_alive[self.seat_index]
        if len(s.humans_alive) > 1:
            self.frame = None  # nothing of the last human's stays on screen behind the hand-over
            self.push_screen(HandoverScreen(s.spec.companies[seat].name, s.view(seat).quarter_label), lambda _: self._show_seat(seat))
        elif prepared is not None and prepared.seat == seat:
            self.frame = prepared
        else:
            self._show_seat(seat)

    def _show_seat(self, seat: str) -> None:
        self.frame = frame_of(self.session, seat)

    def refresh_frame(self) -> None:
        if self.frame is not None:
            self.frame = frame_of(self.session, self.frame.seat)

    def seat_done(self) -> None:
        """The human at the keyboard ends their quarter: hand over, or resolve it."""
        s = self.session
        if not s.humans_alive:
            return
        if self.seat_index + 1 < len(s.humans_alive):
            self.seat_index += 1
            self._hand_to_seat()
            return
        screen = self.screen
        if isinstance(screen, GameScreen):
            screen.set_busy(True)
        self.resolve_quarter()

    @work(thread=True, exclusive=True, group="engine")
    def resolve_quarter(self) -> None:
        """The engine's work runs here, off the UI thread; so does building the next frame."""
        s = self.session
        try:
            report = s.advance()
            prepared = frame_of(s, s.humans_alive[0]) if s.humans_alive and not s.finished else None
        except Exception as e:  # shown, never a crash of the terminal
            self.call_from_thread(self.notify, f"The quarter could not be resolved: {type(e).__name__}: {e}", severity="error")
            return
        self.call_from_thread(self._resolved, report, prepared)

    def _resolved(self, report, prepared: Frame | None) -> None:
        s = self.session
        names = {cid: c.name for cid, c in s.spec.companies.items()}
        regions = {rid: r.name for rid, r in s.spec.regions.items()}
        mine = None
        if len(s.humans) == 1:  # with one person at the keyboard, their own report comes first
            mine = prepared if prepared is not None else frame_of(s, s.humans[0])
        self.frame = None
        self.push_screen(ReportScreen(report, names, regions, mine, s.spec, s.index_before_last()), lambda _: self._open_quarter(prepared if len(s.humans_alive) == 1 else None))

    # ---- app-wide actions ---------------------------------------------------------------------
    def get_system_commands(self, screen):
        """The palette lists every action bound on the screen, hidden footer keys included."""
        yield from super().get_system_commands(screen)
        seen = set()
        for key, active in screen.active_bindings.items():
            b = active.binding
            if not b.description or (b.description, b.action, id(active.node)) in seen or not active.enabled:
                continue
            seen.add((b.description, b.action, id(active.node)))
            yield SystemCommand(b.description, f"key: {key}", partial(self.run_action, b.action, active.node))

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_save(self) -> None:
        if self.session is None:
            self.notify("No game to save yet.", severity="warning")
            return
        from .screens.saves import SaveDialog

        s = self.session
        name = f"{Path(s.spec.source).stem or 'game'}-seed{s.game.seed}-{s.view(s.humans[0]).quarter_label if s.humans else s.quarter}.json"
        self.push_screen(SaveDialog(self.saves_dir / name), self._save_to)

    def _save_to(self, path: str | None) -> None:
        if not path:
            return
        try:
            written = self.session.save(path)
        except OSError as e:
            self.notify(f"Cannot write {path}: {e.strerror or e}", severity="error")
            return
        self.notify(f"Saved to {written}", timeout=4)

    def action_load(self) -> None:
        from .screens.saves import LoadDialog

        self.push_screen(LoadDialog(self.saves_dir), lambda p: self._load(p) if p else None)

    async def action_quit(self) -> None:
        """Quit at once, unless orders typed this quarter would be lost: then ask first."""
        from .screens.saves import QuitDialog

        s = self.session
        pending = sum(len(s.pending(cid)) for cid in s.humans_alive) if s is not None and not s.finished else 0
        if not pending or isinstance(self.screen, QuitDialog):
            self.exit()
            return
        self.push_screen(QuitDialog(pending, str(s.autosave_path)), lambda yes: self.exit() if yes else None)

    def action_new_game(self) -> None:
        from .screens.new_game import NewGameScreen

        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.session = None
        self.push_screen(NewGameScreen())
