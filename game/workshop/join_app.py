"""`gridlock join`: the Gridlock TUI on a remote session for a team, or the projector for observers."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.containers import Center, Middle, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Static

from ..session import SessionError
from ..tui.app import GridlockApp
from ..tui.screens.game import GameScreen
from ..tui.widgets.charts import BlockPlot
from .client import AuthError, WorkshopError
from .remote import Link, RemoteSession


TICK_S = 0.5  # the clock on screen, and how soon the projector catches up with a burst of events


class Pushed(Message):
    """An event from the workshop server, handed from the link's thread to the app."""

    def __init__(self, event: dict[str, Any]):
        super().__init__()
        self.event = event


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "no clock"
    s = int(max(0, seconds))
    return f"{s // 60:d}:{s % 60:02d}"


class CodeScreen(Screen):
    """Type the team's code (or the observer's); a refused code asks again, it never retries."""

    PROMPT = "Type your team's code (or the observer code for the projector):"

    def __init__(self, url: str, problem: str = "", prompt: str | None = None):
        super().__init__()
        self.url, self.problem = url, problem
        self.prompt = prompt or self.PROMPT

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Label(f"Gridlock workshop at {self.url}", classes="title")
            with Center():
                yield Label(self.prompt)
            with Center():
                yield Input(placeholder="e.g. k7pr-x2mh", id="code", password=False, max_length=32)
            with Center():
                yield Static(self.problem, id="code-problem")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#code", Input).focus()

    @on(Input.Submitted, "#code")
    def _typed(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())


class ProjectorScreen(Screen):
    """The room's screen: standings, clock, news, messages and market charts. Nothing private."""

    BINDINGS = [Binding("q", "app.quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="projector-clock")
        with VerticalScroll():
            yield Static("", id="projector-standings")
            yield Static("", id="projector-news")
            yield BlockPlot("Price index ($ per H100e-hour)", id="projector-index", unit="")
            yield BlockPlot("Installed capacity, every company (H100e)", id="projector-capacity", unit="")
        yield Footer()

    def show(self, state: dict[str, Any]) -> None:
        pub = state["public"]
        self.title = "Gridlock workshop"
        self.sub_title = f"{pub['game']} · {pub['label']}"
        paused = "  PAUSED" if state["paused"] else ""
        ready = state.get("ready") or {}
        self.query_one("#projector-clock", Static).update(Text.assemble((f"{pub['label']}  ", "bold"), f"clock {clock(state['timer_s'])}{paused}  ", f"ready {sum(ready.values())}/{len(ready)}"))
        t = Table(title="Standings (last quarter)", title_justify="left", box=box.SIMPLE_HEAD)
        for col in ("Company", "Seat", "Online MW", "Capacity H100e", "Share", "Status"):
            t.add_column(col, justify="left" if col in ("Company", "Seat", "Status") else "right")
        companies = (pub.get("report") or {}).get("companies", {})
        rows = sorted(companies.items(), key=lambda kv: -(kv[1].get("share_h100e") or 0))
        for cid, c in rows:
            seat = pub["companies"].get(cid, {}).get("seat", "")
            t.add_row(c["name"], seat, f"{c.get('online_mw') or 0:,.0f}", f"{c.get('capacity_h100e') or 0:,.0f}", f"{c.get('share_h100e') or 0:.0%}", "ok" if c.get("alive") else "BANKRUPT")
        if not rows:
            t.add_row("(no quarter played yet)", "", "", "", "", "")
        self.query_one("#projector-standings", Static).update(t)
        news = Text("News\n", style="bold")
        for line in pub.get("news", []):
            news.append(f"• {line}\n", style="")
        for m in pub.get("messages", [])[-5:]:
            news.append(f"» {m['text']}\n", style="bold")
        self.query_one("#projector-news", Static).update(news)
        h = pub.get("history", [])
        span = (h[0]["quarter"], h[-1]["quarter"]) if h else ("", "")
        self.query_one("#projector-index", BlockPlot).plot([x["price_index"] for x in h], span)
        self.query_one("#projector-capacity", BlockPlot).plot([sum(v["capacity_h100e"] for k, v in x.items() if isinstance(v, dict)) for x in h], span)


class JoinApp(GridlockApp):
    """The same screens as `gridlock play`; the session lives on the workshop server."""

    BINDINGS = [
        Binding("f1,question_mark", "help", "Rules"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, url: str, code: str | None = None, member: str | None = None):
        super().__init__()
        self.url = url if "://" in url else f"http://{url}"
        self.code, self.member = code, member
        self.link: Link | None = None
        self.observer_state: dict[str, Any] | None = None
        self.timer_s: float | None = None
        self.timer_running = False
        self.projector_stale = False
        self.fetching = False

    def on_mount(self, event: Any) -> None:
        event.prevent_default()  # not GridlockApp's new-game screen and autosave question
        self.end_on_hangup()
        if self.code:
            self._join(self.code)
        else:
            self._ask("")
        self.set_interval(TICK_S, self._tick)

    def _ask(self, problem: str) -> None:
        self.push_screen(CodeScreen(self.url, problem), self._join)

    @work(thread=True, exclusive=True, group="join")
    def _join(self, code: str) -> None:
        link = Link(self.url, code, self.member)
        try:
            state = link.call(link.client.state())
            if state["role"] == "team":
                session = RemoteSession.connect(link)
            elif state["role"] == "observer":
                session = None
            else:
                raise SessionError("that is the facilitator's token: use `gridlock facilitate`")
        except (AuthError, SessionError) as e:
            link.close()
            self.call_from_thread(self._ask, f"Not accepted: {getattr(e, 'message', e)}")
            return
        except WorkshopError as e:
            link.close()
            self.call_from_thread(self._ask, f"Cannot reach the workshop: {e.message}")
            return
        self.call_from_thread(self._joined, link, state, session)

    def _joined(self, link: Link, state: dict[str, Any], session: RemoteSession | None) -> None:
        self.link = link
        self.timer_s, self.timer_running = state["timer_s"], state["timer_running"]
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if session is None:
            self.observer_state = state
            projector = ProjectorScreen()
            self.push_screen(projector)
            self.call_after_refresh(projector.show, state)
        else:
            self.session = session
            self._open_quarter()
        # post_message, not call_from_thread: the link's thread must never wait for the UI, which
        # may itself be waiting for the link (a draft being stored)
        link.listen(lambda ev: self.post_message(Pushed(ev)), state["seq"])

    def on_pushed(self, message: "Pushed") -> None:
        self._event(message.event)

    # ---- pushes from the server ----------------------------------------------------------------
    def _event(self, ev: dict[str, Any]) -> None:
        kind = ev.get("type")
        if kind == "refused":
            self.notify(f"The workshop refused this code: {ev.get('error')}", severity="error", timeout=10)
            return
        if "timer_s" in ev:
            self.timer_s = ev["timer_s"]
        if kind == "timer":
            self.timer_running = bool(ev.get("running"))
        elif kind == "paused":
            self.notify("The facilitator paused the game." if ev["paused"] else "The game resumed.", timeout=4)
        elif kind == "message":
            self.notify(ev["text"], title="Facilitator", timeout=15)
        elif kind == "inject":
            self.notify(f"{ev['title']}" + (f" ({ev['target']})" if ev.get("target") else ""), title="Breaking news", timeout=15)
        if self.observer_state is not None:
            self.projector_stale = True  # fetched on the next tick: one fetch however many events
            return
        s = self.session
        if not isinstance(s, RemoteSession):
            return
        if kind == "draft" and ev.get("company") == s.company and ev.get("quarter") == s.quarter and ev.get("version", 0) > s.draft.get("version", 0):
            s.absorb_draft(ev)  # a teammate's edit, shown live
            if ev.get("by"):
                self.notify(f"{ev['by']} changed the draft", timeout=3)
            self.refresh_frame()
        elif kind == "quarter":
            self.timer_running = False
            s.quarter_turned(ev["quarter"])
            if not s.waiting:  # ended by the facilitator, the clock or a teammate elsewhere
                if isinstance(self.screen, GameScreen):
                    self.screen.set_busy(True)
                self.resolve_quarter()
        elif kind in ("inject", "rewind", "seat"):
            self._reload(kind == "rewind")

    @work(thread=True, exclusive=True, group="reload")
    def _reload(self, reopen: bool) -> None:
        s = self.session
        try:
            s.refresh()
        except WorkshopError:
            return
        self.call_from_thread(self._open_quarter if reopen else self.refresh_frame)

    @work(thread=True, group="projector")
    def _refresh_projector(self) -> None:
        try:
            state = self.link.call(self.link.client.state())
        except WorkshopError:
            state = None
        self.call_from_thread(self._show_projector, state)

    def _show_projector(self, state: dict[str, Any] | None) -> None:
        self.fetching = False
        if state is None:
            return
        self.observer_state = state
        self.timer_s, self.timer_running = state["timer_s"], state["timer_running"]
        if isinstance(self.screen, ProjectorScreen):
            self.screen.show(state)

    def _tick(self) -> None:
        if self.timer_running and self.timer_s is not None:
            self.timer_s = max(0.0, self.timer_s - TICK_S)
        s = self.session
        if isinstance(s, RemoteSession):
            while s.problems:
                self.notify(s.problems.pop(0), severity="error", timeout=8)
            if isinstance(self.screen, GameScreen):
                self.screen.title = f"Gridlock workshop · {clock(self.timer_s)} left" if self.timer_s is not None else "Gridlock workshop"
        elif isinstance(self.screen, ProjectorScreen) and self.observer_state is not None:
            if self.projector_stale and not self.fetching:
                self.projector_stale, self.fetching = False, True
                self._refresh_projector()
            self.observer_state["timer_s"] = self.timer_s
            self.screen.query_one("#projector-clock", Static).update(Text(f"{self.observer_state['public']['label']}  clock {clock(self.timer_s)}" + ("  PAUSED" if self.observer_state["paused"] else ""), style="bold"))

    def action_save(self) -> None:
        self.notify("The workshop's server keeps the saves.", timeout=3)

    def action_load(self) -> None:
        self.notify("Ask the facilitator to rewind instead.", timeout=3)

    def action_new_game(self) -> None:
        self.exit()

    async def action_quit(self) -> None:
        if self.link is not None:
            self.link.close()
        self.exit()
