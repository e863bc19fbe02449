"""`gridlock facilitate`: the facilitator's console — teams, clock, end of quarter, injects, rewinds,
seats, messages and the join URL as a QR code. Commands are typed, so every one is in the log."""

from __future__ import annotations

import io
import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Input, RichLog, Static

from .client import AuthError, WorkshopError
from ..tui.hangup import EndsOnHangup
from .join_app import TICK_S, CodeScreen, Pushed, clock
from .remote import Link
from .room import LATE_POLICIES

HELP = """Commands (Enter runs; ↑ is not history — retype):
  start [SECONDS]          start the clock (default: what it shows, the quarter's minutes)
  extend SECONDS           add time        stop        take the clock away
  pause / resume           freeze or restart the clock (teams are told)
  end [POLICY]             end the quarter now; a team that is not ready plays: draft (default), none, repeat, agent
  deck                     list the scenario's events
  inject EVENT [TARGET]    fire a deck event now, in public
  news [COMPANY:] TEXT     a written inject, public or to one team
  say TEXT                 broadcast          tell COMPANY TEXT   a message to one team
  rewind Q                 show whose work a rewind to quarter Q (1 = the first) discards; `rewind Q yes` does it
  seat COMPANY AGENT|team  from the next quarter, an agent (or the team again) plays COMPANY
  revoke COMPANY|observer  a new code; the old one stops working
  qr                       show the join URL as a QR code"""


def qr_text(url: str) -> str:
    try:
        import segno
    except ImportError:
        return url
    out = io.StringIO()
    segno.make(url, error="l").terminal(out=out, compact=True, border=1)
    return out.getvalue() + url


class ConsoleApp(EndsOnHangup):
    CSS = """
    #fac-top { height: auto; }
    #fac-status { padding: 0 1; text-style: bold; }
    #fac-teams { height: auto; max-height: 16; }
    #fac-main { height: 1fr; }
    #fac-log { width: 2fr; border: round $primary; }
    #fac-qr { width: 1fr; min-width: 30; border: round $secondary; }
    #fac-command { dock: bottom; margin-bottom: 1; }
    """
    TITLE = "Gridlock workshop — facilitator"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Commands"),
    ]

    def __init__(self, url: str, token: str | None = None):
        super().__init__()
        self.url = url if "://" in url else f"http://{url}"
        self.token = token
        self.link: Link | None = None
        self.state: dict[str, Any] | None = None
        self.stale = False
        self.fetching = False
        self.timer_s: float | None = None
        self.timer_running = False
        self.confirm_rewind: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="fac-top"):
            yield Static("Connecting…", id="fac-status")
            yield DataTable(id="fac-teams", cursor_type="row")
        with Horizontal(id="fac-main"):
            yield RichLog(id="fac-log", wrap=True, markup=False)
            yield Static("", id="fac-qr")
        yield Input(placeholder="a command — `help` lists them", id="fac-command")
        yield Footer()

    def on_mount(self) -> None:
        self.end_on_hangup()
        self.query_one("#fac-teams", DataTable).add_columns("Company", "Seat", "Next", "Online", "Draft", "Ready", "Last seen")
        if self.token:
            self._join(self.token)
        else:
            self.push_screen(CodeScreen(self.url, prompt="Type the facilitator token:"), self._join)
        self.set_interval(TICK_S, self._tick)
        self.set_interval(3.0, self._mark_stale)  # presence and last-seen change without events

    def log_line(self, text: str, style: str = "") -> None:
        self.query_one("#fac-log", RichLog).write(Text(f"{time.strftime('%H:%M:%S')} {text}", style=style))

    # ---- joining -------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="join")
    def _join(self, token: str) -> None:
        link = Link(self.url, token)
        try:
            state = link.call(link.client.state())
            if state.get("role") != "facilitator":
                raise AuthError(403, "that code is not the facilitator's token")
        except WorkshopError as e:
            link.close()
            self.call_from_thread(self.push_screen, CodeScreen(self.url, f"Not accepted: {e.message}", "Type the facilitator token:"), self._join)
            return
        self.call_from_thread(self._joined, link, state)

    def _joined(self, link: Link, state: dict[str, Any]) -> None:
        self.link = link
        self.show(state)
        self.query_one("#fac-qr", Static).update(Text("Join with:\n\n" + qr_text(state.get("join_url") or self.url)))
        self.log_line(f"Connected to {state['public']['game']} at {self.url}. Type `help` for the commands.", "bold")
        link.listen(lambda ev: self.post_message(Pushed(ev)), state["seq"])
        self.query_one("#fac-command", Input).focus()

    # ---- what the server says ---------------------------------------------------------------------
    def on_pushed(self, message: Pushed) -> None:
        ev = message.event
        kind = ev.get("type")
        if kind in ("welcome", "pong"):
            return
        if kind == "presence":
            self.stale = True
            return
        if "timer_s" in ev:
            self.timer_s = ev["timer_s"]
        if kind == "timer":
            self.timer_running = bool(ev.get("running"))
        self.log_line(describe_event(ev))
        self.stale = True

    def show(self, state: dict[str, Any]) -> None:
        self.state = state
        self.timer_s, self.timer_running = state["timer_s"], state["timer_running"]
        pub = state["public"]
        table = self.query_one("#fac-teams", DataTable)
        table.clear()
        pending = state.get("pending_seats", {})
        for cid, t in state["teams"].items():
            seen = "—" if not t.get("last_seen") else f"{int(time.time() - t['last_seen'])} s ago"
            table.add_row(pub["companies"][cid]["name"], t["seat"], pending.get(cid, ""), "●" * t["connected"] or "○", f"{t['draft_orders']} (v{t['draft_version']})",
                          "READY" if t["ready"] else ("" if t["seat"] == "human" else "agent"), seen)
        self._status()

    def _status(self) -> None:
        s = self.state
        if s is None:
            return
        pub = s["public"]
        ready = s.get("ready", {})
        text = f"{pub['game']} · {pub['label']} (quarter {s['quarter'] + 1} of {pub['quarters_total']}) · clock {clock(self.timer_s)}"
        text += " (stopped)" if not s["timer_running"] and not s["paused"] and self.timer_s is not None else ""
        text += " · PAUSED" if s["paused"] else ""
        text += f" · ready {sum(ready.values())}/{len(ready)}" + (" · GAME OVER" if s["finished"] else "")
        self.query_one("#fac-status", Static).update(text)

    def _mark_stale(self) -> None:
        self.stale = True

    def _tick(self) -> None:
        if self.timer_running and self.timer_s is not None and self.state is not None and not self.state["paused"]:
            self.timer_s = max(0.0, self.timer_s - TICK_S)
        self._status()
        if self.stale and not self.fetching and self.link is not None:
            self.stale, self.fetching = False, True
            self._fetch()

    @work(thread=True, group="fetch")
    def _fetch(self) -> None:
        try:
            state = self.link.call(self.link.client.state())
        except WorkshopError:
            state = None
        self.call_from_thread(self._fetched, state)

    def _fetched(self, state: dict[str, Any] | None) -> None:
        self.fetching = False
        if state is not None:
            self.show(state)

    # ---- commands ---------------------------------------------------------------------------------
    def action_help(self) -> None:
        self.log_line(HELP)

    @on(Input.Submitted, "#fac-command")
    def _command(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        event.input.value = ""
        if not text:
            return
        self.log_line(f"> {text}", "dim")
        try:
            call = self.parse(text)
        except ValueError as e:
            self.log_line(str(e), "bold red")
            return
        if call is not None:
            self._send(*call)

    def parse(self, text: str) -> tuple[str, dict[str, Any]] | None:
        """A typed command as (action, body); ValueError with one sentence if it makes no sense."""
        word, _, rest = text.partition(" ")
        word, rest = word.lower(), rest.strip()
        s = self.state or {}
        companies = list((s.get("public") or {}).get("companies", {}))
        if word == "help":
            self.log_line(HELP)
            return None
        if word == "qr":
            self.log_line(qr_text(s.get("join_url") or self.url))
            return None
        if word == "deck":
            for d in s.get("deck", []):
                self.log_line(f"  {d['event']}: {d['title']}" + (f"  targets: {', '.join(d['targets'])}" if d["targets"] else ""))
            return None
        if word in ("pause", "resume"):
            return word, {}
        if word == "stop":
            return "timer", {"seconds": 0}
        if word == "start":  # with no figure: what the clock shows (the quarter's minutes), else 10 minutes
            return "timer", {"seconds": _number(rest, "start takes seconds, e.g. start 900") if rest else (self.timer_s or 600.0)}
        if word == "extend":
            return "timer", {"seconds": (self.timer_s or 0.0) + _number(rest, "extend takes seconds, e.g. extend 120")}
        if word == "end":
            policy = rest or "draft"
            if policy not in LATE_POLICIES:
                raise ValueError(f"end takes one of {', '.join(LATE_POLICIES)}")
            return "advance", {"late": policy, "quarter": s.get("quarter")}
        if word == "inject":
            parts = rest.split()
            if not parts:
                raise ValueError("inject EVENT [TARGET]; `deck` lists the events")
            return "inject", {"event": parts[0], "target": parts[1] if len(parts) > 1 else ""}
        if word == "news":
            to, text_ = _addressed(rest, companies)
            return "inject", {"text": text_, "to": to}
        if word == "say":
            return "message", {"text": rest, "to": None}
        if word == "tell":
            to, _, text_ = rest.partition(" ")
            if to not in companies:
                raise ValueError(f"tell COMPANY TEXT; companies: {', '.join(companies)}")
            return "message", {"text": text_, "to": to}
        if word == "rewind":
            parts = rest.split()
            if not parts or not parts[0].isdigit():
                raise ValueError("rewind Q, where Q is a quarter number as shown (1 = the first)")
            q = int(parts[0]) - 1
            if len(parts) > 1 and parts[1] == "yes" and self.confirm_rewind == q:
                self.confirm_rewind = None
                return "rewind", {"quarter": q}
            self.confirm_rewind = q
            lost = [w for w in s.get("work", []) if w["quarter"] >= q]
            drafts = [cid for cid, d in s.get("draft", {}).items() if d["orders"]]
            self.log_line(f"A rewind to quarter {q + 1} discards (kept in the log as a branch):", "bold")
            for w in lost:
                self.log_line(f"  {w['label']}: orders of {', '.join(w['teams']) or 'no team'}")
            self.log_line(f"  this quarter's drafts of {', '.join(drafts) or 'no team'}")
            self.log_line(f"Type `rewind {q + 1} yes` to do it.", "bold")
            return None
        if word == "seat":
            parts = rest.split()
            if len(parts) != 2 or parts[0] not in companies:
                raise ValueError(f"seat COMPANY AGENT|team; companies: {', '.join(companies)}; agents: {', '.join(s.get('agents', []))}")
            return "seat", {"company": parts[0], "agent": None if parts[1] in ("team", "human") else parts[1]}
        if word == "revoke":
            return "revoke", {"company": rest}
        raise ValueError(f"unknown command {word!r}; `help` lists them")

    @work(thread=True, group="send")
    def _send(self, action: str, body: dict[str, Any]) -> None:
        try:
            answer = self.link.call(self.link.client.facilitator(action, body))
        except WorkshopError as e:
            self.call_from_thread(self.log_line, f"Refused ({e.status}): {e.message}", "bold red")
            return
        if action == "revoke":
            self.call_from_thread(self.log_line, f"New code for {answer['company']}: {answer.get('code', '(shown the first time)')}", "bold")
        self.stale = True

    async def action_quit(self) -> None:
        if self.link is not None:
            self.link.close()
        self.exit()


def _number(text: str, message: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(message) from None


def _addressed(text: str, companies: list[str]) -> tuple[str | None, str]:
    head, sep, tail = text.partition(":")
    if sep and head.strip() in companies:
        return head.strip(), tail.strip()
    return None, text


def describe_event(ev: dict[str, Any]) -> str:
    kind = ev.get("type")
    if kind == "draft":
        return f"{ev['company']}: draft v{ev['version']}, {len(ev['orders'])} order(s)" + (f" by {ev['by']}" if ev.get("by") else "")
    if kind == "ready":
        return f"{ev['company']} is {'ready' if ev['ready'] else 'no longer ready'}"
    if kind == "quarter":
        late = f"; late: {', '.join(ev['late'])} ({ev['policy']})" if ev.get("late") else ""
        return f"{ev['ended']} ended ({ev['reason']}){late}; now {ev['label']}" + (" — GAME OVER" if ev.get("finished") else "")
    if kind == "paused":
        return "paused" if ev["paused"] else "resumed"
    if kind == "timer":
        return f"clock set: {clock(ev.get('timer_s'))}" + ("" if ev.get("running") else " (not running)")
    if kind == "inject":
        return f"inject: {ev['title']}" + (f" ({ev['target']})" if ev.get("target") else "")
    if kind == "message":
        return f"{ev['kind']} to {ev['to'] or 'everyone'}: {ev['text']}"
    if kind == "seat":
        return f"{ev['company']} will be played by {ev['seat']} from quarter {ev['from_quarter'] + 1}"
    if kind == "rewind":
        return f"rewound to {ev['label']}"
    if kind == "revoked":
        return f"code revoked: {ev['company']}"
    if kind == "refused":
        return f"the server refused this token: {ev.get('error')}"
    return f"{kind}: {ev}"
