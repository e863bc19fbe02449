"""Replay: step read-only through a saved game, quarter by quarter, as any company saw it or
as the omniscient view, with that quarter's orders beside it; branch a playable game from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ...advice import money
from ...agents import REGISTRY
from ...debrief.story import verdicts
from ...debrief.whatif import default_agent
from ...engine import Game
from ...engine.finance import borrow_headroom
from ...runner import seat_agents
from ...saves import load_game, replay
from ...session import HUMAN, Session
from ..frame import frame_of
from ..widgets import panels
from .game import GameScreen

EVERYONE = ""  # the omniscient viewpoint
KEEP_POSITIONS = 8  # replayed positions kept; a step back or forth re-plays at most one game


class Replay:
    """A saved game ready to step through: its log, and every order's verdict from one replay."""

    def __init__(self, game: Game, seats: dict[str, Any]):
        self.spec, self.seed = game.spec, game.seed
        self.orders = [dict(q) for q in game.order_log]
        self.finished = game.finished
        self.seats = {cid: seats[cid] if isinstance(seats.get(cid), str) else self.spec.companies[cid].agent for cid in self.spec.companies}
        self.verdicts = [
            {cid: verdicts(book.get(cid), rep.rejected) for cid, rep in priv.items()}
            for book, priv in zip(self.orders, game.private_reports)
        ]
        self.labels = [p.quarter for p in game.public_reports]
        self._positions: dict[int, Game] = {}

    @classmethod
    def load(cls, path: str | Path) -> "Replay":
        """SaveError with one sentence if the save cannot be used."""
        game, data = load_game(path)
        return cls(game, data.get("seats") if isinstance(data.get("seats"), dict) else {})

    @property
    def last(self) -> int:
        """The last position: after the final quarter played."""
        return len(self.orders)

    def at(self, i: int) -> Game:
        """The game as quarter i opens (i = last: after the final quarter)."""
        hit = self._positions.get(i)
        if hit is None:
            if len(self._positions) >= KEEP_POSITIONS:
                self._positions.pop(next(iter(self._positions)))
            hit = self._positions[i] = replay(self.spec, self.seed, self.orders[:i])
        return hit

    def branch(self, i: int, seat: str, saves_dir: Path) -> Session:
        """A new game from position i: `seat` played by a person, every other seat by the agent
        that played it (a person's or a bot's seat by its archetype's default agent). The agents
        watch the game up to i, so those that remember the past know it."""
        seats = {}
        for cid, a in self.seats.items():
            if cid == seat:
                seats[cid] = HUMAN
            elif a != HUMAN and not a.startswith("cmd:") and a.partition(":")[0] in REGISTRY:
                seats[cid] = a
            else:
                seats[cid] = default_agent(self.spec, cid)
        agents = {cid: a for cid, a in seat_agents(self.spec, self.seed, {c: a for c, a in seats.items() if a != HUMAN}).items() if seats[cid] != HUMAN}
        game = replay(self.spec, self.seed, self.orders[:i], agents)
        return Session(game, seats, agents, saves_dir)


def _figures(game: Game) -> Table:
    """Every company's private figures at once: what only the omniscient view may show."""
    res = {x.id: x for x in game.result().standings}
    t = Table(title="Every company (omniscient)", title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False)
    for c in ("#", "Company", "Type", "Score", "Cash", "Debt", "Borrow room", "Online MW", "Power MW", "H100e", "Status"):
        t.add_column(c, justify="left" if c in ("Company", "Type", "Status") else "right")
    g = game.core
    for cid in sorted(res, key=lambda c: res[c].rank):
        c = g.world.companies[cid]
        online = sum(s.mw for s in c.sites if s.stage == "online")
        status = "BANKRUPT" if not c.alive else ("DISTRESS" if c.distress_quarters else ("covenant breached" if c.covenant_breached else "ok"))
        t.add_row(str(res[cid].rank), c.name, c.archetype, f"{res[cid].score:.2f}×", money(c.cash_musd), money(c.debt_musd),
                  money(borrow_headroom(g, c) if c.alive else 0.0), f"{online:,.0f}", f"{sum(p.mw for p in c.power):,.0f}", f"{c.capacity_h100e:,.0f}", status)
    return t


class ReplayScreen(Screen):
    """Read-only: ←/→ a quarter, Home/End, v whose view, b branch a playable game from here."""

    # priority: the arrows step through time even when a scrolling panel has the focus
    BINDINGS = [
        Binding("left", "step(-1)", "Back a quarter", priority=True),
        Binding("right", "step(1)", "On a quarter", priority=True),
        Binding("home", "jump(0)", "First quarter", priority=True),
        Binding("end", "jump(-1)", "Last quarter", priority=True),
        Binding("v", "viewpoint(1)", "Next view"),
        Binding("V", "viewpoint(-1)", "Previous view", show=False),
        Binding("b", "branch", "Branch a game from here"),
        Binding("q,escape", "app.quit", "Quit"),
    ]

    def __init__(self, replay: Replay):
        super().__init__()
        self.replay = replay
        self.index = 0
        self.views = [EVERYONE, *replay.spec.companies]
        self.viewpoint = EVERYONE

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="replay-status")
        with Horizontal():
            with ScrollableContainer(id="replay-main"):
                yield Static(id="replay-body")
            with VerticalScroll(id="replay-side"):
                yield Static(id="replay-orders")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#replay-side").styles.width = 56
        self.redraw()

    @property
    def label(self) -> str:
        r = self.replay
        return r.labels[self.index] if self.index < r.last else f"after {r.labels[-1]}" if r.labels else "the start"

    def redraw(self) -> None:
        r = self.replay
        game = r.at(self.index)
        who = "everyone (omniscient)" if self.viewpoint == EVERYONE else r.spec.companies[self.viewpoint].name
        self.title = "Gridlock replay (read-only)"
        self.sub_title = f"{r.spec.game.name}, seed {r.seed} · {self.label} · as {who}"
        self.query_one("#replay-status", Static).update(Text.assemble(
            (f"{self.label}", "bold"), f"  position {self.index + 1} of {r.last + 1}  ·  view: ", (who, "bold"),
            "  ·  ←/→ quarter, Home/End, v view, b branch a game from here",
        ))
        seat = self.viewpoint or next((c for c in r.spec.companies if game.alive(c)), next(iter(r.spec.companies)))
        try:
            f = frame_of(Session(game, {cid: HUMAN for cid in r.spec.companies}, {}), seat)
        except Exception as e:  # a company's view after its end: say so rather than fail
            body: Any = Text(f"No view of {seat} here ({type(e).__name__}: {e})")
        else:
            if self.viewpoint == EVERYONE:
                body = Group(_figures(game), Text(""), panels.market(f), panels.news(f))
            else:
                body = Group(panels.company(f), Text(""), panels.market(f), panels.news(f), panels.rivals(f))
        GameScreen._wide(self, "#replay-body", body)
        self.query_one("#replay-orders", Static).update(self._orders())

    def _orders(self) -> Group:
        r = self.replay
        if self.index >= r.last:
            return Group(Text("The last position: no orders after it.", style="dim"))
        given = r.verdicts[self.index]
        names = {cid: c.name for cid, c in r.spec.companies.items()}
        lines = [Text(f"Orders given in {self.label}", style="bold")]
        for cid in ([self.viewpoint] if self.viewpoint else list(r.spec.companies)):
            lines.append(Text(names[cid], style="bold underline"))
            mine = given.get(cid, [])
            if not mine:
                lines.append(Text("  none", style="dim"))
            for o in mine:
                ok = o["verdict"] == "accepted"
                lines.append(Text.assemble(("  ✓ " if ok else "  ✗ ", "green" if ok else "red"), o["order"], ("" if ok else f" — {o['reason']}", "red")))
        return Group(*lines)

    # ---- intents ------------------------------------------------------------------------------
    def action_step(self, delta: int) -> None:
        self.index = max(0, min(self.replay.last, self.index + delta))
        self.redraw()

    def action_jump(self, where: int) -> None:
        self.index = self.replay.last if where < 0 else 0
        self.redraw()

    def action_viewpoint(self, delta: int) -> None:
        self.viewpoint = self.views[(self.views.index(self.viewpoint) + delta) % len(self.views)]
        self.redraw()

    def action_branch(self) -> None:
        r = self.replay
        if self.index >= r.last and r.finished:
            self.notify("The game is over here: step back to a quarter to branch from it.", severity="warning")
            return
        seat = self.viewpoint or next((cid for cid, a in r.seats.items() if a == HUMAN), next(iter(r.spec.companies)))
        game = r.at(self.index)
        if not game.alive(seat):
            self.notify(f"{r.spec.companies[seat].name} is out of the game here: pick another view (v).", severity="warning")
            return
        session = r.branch(self.index, seat, self.app.saves_dir)
        self.notify(f"A new game from {self.label}: you play {r.spec.companies[seat].name}.", timeout=5)
        self.app.play_branch(session)
