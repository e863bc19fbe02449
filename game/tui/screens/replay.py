"""Replay: step read-only through a saved game, quarter by quarter, as any company saw it or
as the omniscient view, with that quarter's orders beside it; branch a playable game from it."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import attrs
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, VerticalScroll
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from ...advice import money, sentence
from ...agents import REGISTRY
from ...debrief.story import verdicts
from ...debrief.whatif import default_agent
from ...engine import Game
from ...engine.finance import borrow_headroom
from ...model.orders import order_from_dict
from ...runner import seat_agents
from ...saves import load_game, replay
from ...session import HUMAN, Session
from ..frame import Frame, frame_of
from ..widgets import panels
from ..widgets.charts import LineChart, spark
from .dashboard import Dashboard
from .report import public_report

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
        self._positions: dict[int, Session] = {}
        self._read_only(self.last, game)  # the game as loaded is the last position: no replay for End

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
        return self.position(i).game

    def position(self, i: int) -> Session:
        """Position i to read from: every seat a person's, so every company's view, books and
        score may be asked; no agent plays in it and nothing steps it on."""
        hit = self._positions.get(i)
        return hit if hit is not None else self._read_only(i, replay(self.spec, self.seed, self.orders[:i]))

    def _read_only(self, i: int, game: Game) -> Session:
        if len(self._positions) >= KEEP_POSITIONS:
            self._positions.pop(next(iter(self._positions)))
        hit = self._positions[i] = Session(game, {cid: HUMAN for cid in self.spec.companies}, {})
        return hit

    def label(self, i: int) -> str:
        """The quarter that opens at position i; after a finished game's last, "after" it."""
        if i < self.last:
            return self.labels[i]
        return f"after {self.labels[-1]}" if self.finished and self.labels else self.at(i).core.label()

    def where(self, i: int) -> str:
        """How far into the game position i is, for the status line."""
        if i < self.last:
            return f"{i + 1}/{self.spec.game.quarters}"
        return "the end" if self.finished else f"{i + 1}/{self.spec.game.quarters}, not played: the save stops here"

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
    t = Table(title="Every company's books (omniscient)", title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False)
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


def _public(s: Session, f: Frame) -> Group:
    """Every company's public figures, as its rivals saw them (each company is someone's rival)."""
    seen: dict[str, Any] = {}
    for cid in s.spec.companies:
        for r in s.view(cid).rivals:
            seen.setdefault(r.id, r)
    t = Table(title="Every company — public figures, as its rivals saw them", title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False)
    for c in ("Company", "Type", "State", "Online MW", "Pipeline MW", "Sites", "Power MW", "H100e", "Trend"):
        t.add_column(c, justify="left" if c in ("Company", "Type", "State", "Trend") else "right")
    for cid in s.spec.companies:
        r = seen.get(cid)
        if r is not None:
            trend = [h.get(r.id, {}).get("capacity_h100e", 0) for h in f.history]
            t.add_row(r.name, r.archetype, "alive" if r.alive else "BANKRUPT", f"{r.online_mw:,.0f}", f"{r.pipeline_mw:,.0f}", str(r.sites), f"{r.power_mw:,.0f}", f"{r.capacity_h100e:,.0f}", spark(trend))
    return Group(t, Text("Bids and orders are never public: the omniscient view shows them beside (4 Orders).", style="dim"))


def _scores(s: Session) -> Group:
    """Every company's score if the game ended now, each with the sum that reaches it."""
    g = s.game.core
    parts = {cid: s.score_estimate(cid) for cid in s.spec.companies}
    ranked = sorted(parts, key=lambda cid: (-parts[cid]["score"], cid))
    t = Table(title=f"Standings after {s.game.public_reports[-1].quarter if s.game.public_reports else 'no quarter yet'} — every company's score (omniscient)",
              title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False)
    for c in ("#", "Company", "Score", "Economic equity", "Value created"):  # what fits 80 columns; the sums below hold the rest
        t.add_column(c, justify="left" if c == "Company" else "right")
    for i, cid in enumerate(ranked, 1):
        p = parts[cid]
        t.add_row(str(i), g.world.companies[cid].name, f"{p['score']:.2f}×", money(p["economic_equity_musd"]), money(p["value_created_musd"]))
    out: list = [t, panels.para("Ranked by the score each company would get if the game ended now (docs/rules.md, \"Winning and the score\"); "
                                "in play each company saw only its own, and its rivals' public figures.")]
    for cid in ranked:
        c = g.world.companies[cid]
        out.append(panels.score_lines(parts[cid], c.ownership, f"{c.name}: {parts[cid]['score']:.2f}×"))
    return Group(*out)


class ReplayScreen(Dashboard):
    """Read-only: the dashboard's tabs at one position of a saved game, as one company saw them or
    as the omniscient view, with that quarter's orders and their verdicts beside. ←/→ a quarter,
    Home/End, v whose view, b branch a playable game from here."""

    DEFAULT_CSS = """
    ReplayScreen #replay-status { height: auto; padding: 0 1; background: $boost; }
    ReplayScreen #replay-row { height: 1fr; }
    ReplayScreen #replay-row > TabbedContent { width: 1fr; }
    ReplayScreen #replay-side { padding: 0 1; border-left: vkey $primary; scrollbar-size-vertical: 1; }
    """

    # priority: the arrows step through time even when a tab bar or a scrolling page has the focus
    BINDINGS = [
        Binding("left", "step(-1)", "Back", tooltip="Back a quarter", priority=True),
        Binding("right", "step(1)", "On", tooltip="On a quarter", priority=True),
        Binding("home", "jump(0)", "First", tooltip="The first quarter", priority=True),
        Binding("end", "jump(-1)", "Last", tooltip="After the last quarter", priority=True),
        Binding("v", "viewpoint(1)", "Viewpoint", tooltip="The next company's view, or the omniscient one"),
        Binding("V", "viewpoint(-1)", "Previous viewpoint", show=False),
        Binding("7", "tab('report')", "Report", show=False),
        Binding("b", "branch", "Branch", tooltip="Play a new game from the shown quarter"),
        Binding("q,escape", "app.quit", "Quit"),
    ]

    CASH_EVERYONE = "Cash by company ($M, private)"
    SIDE_FROM_COLUMNS = 120  # the orders stand beside the tabs from this width; below it, tab 4 alone
    SIDE_COLUMNS = 46

    def __init__(self, replay: Replay):
        super().__init__()
        self.replay = replay
        self.index = 0
        self.views = [EVERYONE, *replay.spec.companies]
        # a person replaying their own game starts as they played it; a game of agents, omniscient
        self.viewpoint = next((cid for cid, a in replay.seats.items() if a == HUMAN), EVERYONE)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="replay-status")
        with Horizontal(id="replay-row"):
            yield from self.compose_tabs()
            with VerticalScroll(id="replay-side"):
                yield Static(id="replay-orders")
        yield Footer()

    def compose_orders(self) -> ComposeResult:
        with ScrollableContainer():
            yield Static(id="orders-body")

    def compose_more_tabs(self) -> ComposeResult:
        with TabPane("7 Report", id="report"):
            with VerticalScroll():  # as the report screen lays it out: its lines wrap
                yield Static(id="report-body")

    def on_mount(self) -> None:
        self.query_one("#replay-side").styles.width = self.SIDE_COLUMNS
        self.redraw()

    def on_resize(self) -> None:
        # the pages keep their natural width, so a new size only moves the orders and the status
        self.query_one("#replay-side").display = self.side
        self._status()

    @property
    def side(self) -> bool:
        """The orders stand beside the tabs when there is room (tab 4 shows them always)."""
        return self.size.width >= self.SIDE_FROM_COLUMNS

    @property
    def label(self) -> str:
        return self.replay.label(self.index)

    @property
    def seat(self) -> str:
        """Whose frame the tabs are drawn from: the viewpoint, or for the omniscient view the first
        company still in the game (the market it shows is public, the same for every seat)."""
        r = self.replay
        game = r.at(self.index)
        return self.viewpoint or next((c for c in r.spec.companies if game.alive(c)), next(iter(r.spec.companies)))

    @property
    def who(self) -> str:
        return "everyone (omniscient)" if self.viewpoint == EVERYONE else self.replay.spec.companies[self.viewpoint].name

    def redraw(self) -> None:
        """A new position or viewpoint: the frame, the orders and the report now; the dashboard's
        pages as each is opened (rendering a page's wide tables is the slow part of a step)."""
        r = self.replay
        s = r.position(self.index)
        self.title = "REPLAY (read-only)"
        self.sub_title = f"{self.label} as {self.who} · {r.spec.game.name}, seed {r.seed}"
        f = frame_of(s, self.seat)
        self.query_one("#plot-cash", LineChart).title = self.CASH_EVERYONE if self.viewpoint == EVERYONE else self.CASH_CHART
        self.query_one("#report-body", Static).update(self._report(s, f))
        self.query_one("#orders-body", Static).update(self._orders(f, max(40, self.size.width - 4)))
        self.query_one("#replay-orders", Static).update(self._orders(f, self.SIDE_COLUMNS - 4))
        self.draw_lazily(f)

    def page_drawn(self) -> None:
        self._status()

    def _status(self) -> None:
        """This is a replay, which quarter, whose view; the keys; sideways scrolling when needed."""
        r = self.replay
        where = r.where(self.index)
        seat = r.seats[self.viewpoint] if self.viewpoint else ""
        played = "" if not seat else " (a person)" if seat == HUMAN else f" (agent {seat})"
        status = Text.assemble(("REPLAY", "bold reverse"), " ", (self.label, "bold"), f" ({where}) as ", (self.who, "bold"), played)
        wide = self.size.width >= self.SIDE_FROM_COLUMNS  # a narrow status keeps to a line: the footer lists the keys
        if wide:
            status.append("  ←/→ Home/End quarter · v viewpoint · 1-7 tabs · b branch", style="dim")
        if self._widths.get(self.query_one(TabbedContent).active, 0) > self.size.width - (self.SIDE_COLUMNS if self.side else 2):
            status.append("  shift+←/→ scroll wide tables sideways" if wide else "  ◂▸ shift+←/→", style="dim")
        self.query_one("#replay-status", Static).update(status)

    # ---- the omniscient view's pages; a company's are the game screen's own ----------------------
    def company_page(self, f: Frame) -> Any:
        if self.viewpoint:
            return super().company_page(f)
        s = self.replay.position(self.index)
        out: list = [_figures(s.game)]
        for cid, c in s.spec.companies.items():
            out += [Text(""), Text(c.name, style="bold underline"), panels.statements(s.statements(cid))]
        return Group(*out)

    def rivals_page(self, f: Frame) -> Any:
        return super().rivals_page(f) if self.viewpoint else _public(self.replay.position(self.index), f)

    def standings_page(self, f: Frame) -> Any:
        return super().standings_page(f) if self.viewpoint else _scores(self.replay.position(self.index))

    def cash_series(self, f: Frame) -> dict[str, list]:
        if self.viewpoint:
            return super().cash_series(f)
        s = self.replay.position(self.index)
        return {c.name: [h.get("cash_musd") for h in s.history_of(cid)] for cid, c in s.spec.companies.items()}

    def _report(self, s: Session, f: Frame) -> Group:
        """The quarter report read as this position opened: the one the game screen showed after
        the last quarter resolved (the company's own part, or every company's for the omniscient view)."""
        pub = s.public_report()
        if pub is None:
            return Group(Text("No report yet: this is the first quarter.", style="dim"))
        names = {cid: c.name for cid, c in s.spec.companies.items()}
        regions = {rid: x.name for rid, x in s.spec.regions.items()}
        if self.viewpoint:
            mine: list = [panels.last_quarter(f), panels.statements(f.statements)]
        else:
            mine = []
            for cid in s.spec.companies:
                mine += [Text(names[cid], style="bold underline"), panels.last_quarter(attrs.evolve(f, last_private=s.private_report(cid)))]
        return Group(Text(f"The report for {pub.quarter}, read as {self.label} opened", style="bold"), *mine, Text(""),
                     public_report(pub, names, regions, s.spec, s.index_before_last()))

    def _orders(self, f: Frame, width: int) -> Text:
        """The orders given in this quarter, in words, each with the engine's verdict, wrapped to
        `width` under themselves (plain text: it lays out at once, where a table is measured)."""
        r = self.replay
        if self.index >= r.last:
            if r.finished:
                return Text("The game's end: no orders after it.", style="dim")
            return Text(f"The save stops before {self.label}'s orders: b plays on from here.", style="dim")
        given = r.verdicts[self.index]
        out = Text.assemble((f"Orders given in {self.label}\n", "bold"), ("what was ordered, and the engine's verdict\n", "dim"))
        for cid in ([self.viewpoint] if self.viewpoint else list(r.spec.companies)):
            out.append(r.spec.companies[cid].name + "\n", style="bold underline")
            mine = given.get(cid, [])
            if not mine:
                out.append("  none\n", style="dim")
            for o in mine:
                ok = o["verdict"] == "accepted"
                out.append(" ✓ " if ok else " ✗ ", style="green" if ok else "bold red")
                out.append("\n   ".join(textwrap.wrap(_words(f, o), width - 3)) + "\n")
                if not ok:
                    out.append("   " + "\n   ".join(textwrap.wrap(f"REJECTED: {o['reason']}", width - 3)) + "\n", style="red")
        out.rstrip()
        return out

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


def _words(f: Frame, o: dict) -> str:
    """An order as the game screen words it; what the engine could not read, as the engine named it."""
    if o.get("raw") is None:
        return o["order"]
    try:
        return sentence(f.view, order_from_dict(o["raw"]))
    except (ValueError, TypeError):
        return o["order"]
