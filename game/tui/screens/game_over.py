"""The end: standings, scores, what decided the game, and every company's campaign in charts."""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ..widgets.charts import LineChart, spark
from ..widgets.panels import money


def components(result) -> Table:
    """How each score was reached, in $B: the game is over, so every company's books are open."""
    t = Table(title="Score components, $B (docs/rules.md, \"Winning and the score\")", title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False)
    cols = ("Company", "Cash", "−Debt", "Fleet", "Power", "Build", "Chips", "Backlog", "=Equity", "×Stake", "−Outside", "−Passive", "=Created", "÷Capital", "Score")
    for c in cols:
        t.add_column(c, justify="left" if c == "Company" else "right")
    b = lambda x: f"{x / 1000:,.1f}"  # noqa: E731
    for r in result.standings:
        t.add_row(r.name, b(r.cash_musd), b(r.debt_musd), b(r.fleet_value_musd), b(r.power_value_musd), b(r.build_value_musd), b(r.chip_value_musd),
                  b(r.backlog_margin_musd), b(r.economic_equity_musd), f"{r.ownership:.0%}", b(r.outside_cash_musd), b(r.benchmark_musd),
                  b(r.value_created_musd), b(r.capital_musd), f"{r.score:.2f}×")
    return t


def standings(result, seats: dict[str, str], history: list[dict]) -> Table:
    t = Table(title="Standings", title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False)
    for c in ("#", "Company", "Type", "Seat", "Score", "Equity", "Online MW", "Share", "Util", "Capacity trend", "Status"):
        t.add_column(c, justify="right" if c in ("#", "Score", "Equity", "Online MW", "Share", "Util") else "left")
    for r in result.standings:
        trend = spark([h.get(r.id, {}).get("capacity_h100e", 0) for h in history], width=16)
        t.add_row(str(r.rank), r.name, r.archetype, seats.get(r.id, r.agent), f"{r.score:.2f}×", money(r.equity_value_musd), f"{r.online_mw:,.0f}",
                  f"{r.share_h100e:.0%}", f"{r.utilisation:.0%}", trend, r.status)
    return t


class GameOverScreen(Screen):
    BINDINGS = [
        Binding("n", "app.new_game", "New game"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, session):
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        s = self.session
        result = s.result()
        yield Header()
        with VerticalScroll(id="debrief"):
            yield Static(Text(f"Game over — {s.spec.game.name}, seed {s.game.seed}, {result.quarters_played} quarters to {result.final_quarter}", style="bold"))
            yield Static(standings(result, s.seats, s.history))
            with ScrollableContainer(classes="wide", id="components-box"):
                yield Static(components(result), id="score-components")
            yield Static(Text("What decided the game", style="bold"))
            yield Static(Text("\n".join(f"• {d}" for d in result.decisive) or "—"))
            yield LineChart("Installed capacity by company (H100e), one scale", rows=8, id="end-capacity")
            yield LineChart("Online power by company (MW), one scale", rows=8, id="end-online")
            yield LineChart("Price index ($ per H100e-hour)", rows=5, id="end-index")
        yield Footer()

    def on_mount(self) -> None:
        self.title, self.sub_title = "Gridlock", "Game over"
        s = self.session
        span = (s.history[0]["quarter"], s.history[-1]["quarter"]) if s.history else ("", "")
        names = {cid: c.name for cid, c in s.spec.companies.items()}
        for chart, field in (("#end-capacity", "capacity_h100e"), ("#end-online", "online_mw")):
            self.query_one(chart, LineChart).plot({name: [h.get(cid, {}).get(field) for h in s.history] for cid, name in names.items()}, span)
        self.query_one("#end-index", LineChart).plot({"price index": [h["price_index"] for h in s.history]}, span)
