"""The dashboard's tabs (market, company, rivals, orders, charts, standings) drawn from one Frame:
shared by the game screen, where a seat plays, and the replay, where it is watched read-only."""

from __future__ import annotations

from typing import Any

from rich.measure import Measurement
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane

from ..frame import Frame
from ..widgets import panels
from ..widgets.charts import LineChart


class Dashboard(Screen):
    """A screen with the dashboard's tabs. A subclass places compose_tabs() in its compose, fills
    the Orders tab (compose_orders) and may add tabs after Standings (compose_more_tabs)."""

    BINDINGS = [
        Binding("1", "tab('market')", "Market", show=False),
        Binding("2", "tab('company')", "Company", show=False),
        Binding("3", "tab('rivals')", "Rivals", show=False),
        Binding("4", "tab('orders')", "Orders", show=False),
        Binding("5", "tab('charts')", "Charts", show=False),
        Binding("6", "tab('standings')", "Standings", show=False),
        # the tab's page scrolls from the keyboard wherever focus is (a table keeps its own keys)
        Binding("pagedown", "scroll_tab('page_down')", "Page down", show=False),
        Binding("pageup", "scroll_tab('page_up')", "Page up", show=False),
        Binding("end", "scroll_tab('end')", "End", show=False),
        Binding("home", "scroll_tab('home')", "Top", show=False),
        Binding("down", "scroll_tab('down')", "Scroll down", show=False),
        Binding("up", "scroll_tab('up')", "Scroll up", show=False),
        Binding("shift+right", "scroll_tab('page_right')", "Scroll right", show=False),
        Binding("shift+left", "scroll_tab('page_left')", "Scroll left", show=False),
    ]

    CASH_CHART = "My cash and debt ($M)"

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name, id, classes)
        self._drawn: Frame | None = None  # the frame draw_lazily() was last given
        self._stale: set[str] = set()  # pages not yet drawn from it
        self._widths: dict[str, int] = {}  # each drawn page's natural width, in cells

    def compose_tabs(self) -> ComposeResult:
        with TabbedContent(initial="market", id="tabs"):
            with TabPane("1 Market", id="market"):
                with ScrollableContainer(classes="wide"):
                    yield Static(id="market-body")
                    yield Static(id="news-body")
            with TabPane("2 Company", id="company"):
                with ScrollableContainer(classes="wide"):
                    yield Static(id="company-body")
            with TabPane("3 Rivals", id="rivals"):
                with ScrollableContainer(classes="wide"):
                    yield Static(id="rivals-body")
            with TabPane("4 Orders", id="orders"):
                yield from self.compose_orders()
            with TabPane("5 Charts", id="charts"):
                with VerticalScroll(id="charts-body"):
                    yield LineChart("Installed capacity by company (H100e, public)", id="plot-capacity")
                    yield LineChart("Online power by company (MW, public)", id="plot-online")
                    yield LineChart("Price index ($ per H100e-hour)", id="plot-index")
                    yield LineChart("Market demand (H100e)", id="plot-demand")
                    yield LineChart(self.CASH_CHART, id="plot-cash")
            with TabPane("6 Standings", id="standings"):
                with ScrollableContainer(classes="wide"):
                    yield Static(id="standings-body")
            yield from self.compose_more_tabs()

    def compose_orders(self) -> ComposeResult:
        yield from ()

    def compose_more_tabs(self) -> ComposeResult:
        yield from ()

    # ---- what each tab shows (a subclass may show more than one seat's view) ----------------
    def company_page(self, f: Frame) -> Any:
        return panels.company(f)

    def rivals_page(self, f: Frame) -> Any:
        return panels.rivals(f)

    def standings_page(self, f: Frame) -> Any:
        return panels.standings(f)

    def cash_series(self, f: Frame) -> dict[str, list]:
        mine = [h.get(f.seat, {}) for h in f.history]
        return {"cash": [m.get("cash_musd") for m in mine], "debt": [m.get("debt_musd") for m in mine]}

    PAGES = ("market", "company", "rivals", "charts", "standings")  # the tabs drawn from the frame

    def draw_tabs(self, f: Frame) -> int:
        """Fill every tab from the frame; returns the widest page's width."""
        return max(self.draw_page(page, f) for page in self.PAGES)

    def draw_lazily(self, f: Frame) -> None:
        """Draw from a new frame: the open tab's page now, each other page when its tab is opened
        (rendering a page's wide tables is most of the work, and most pages go unread)."""
        self._drawn = f
        self._stale = set(self.PAGES)
        self._draw_open()

    @on(TabbedContent.TabActivated)
    def _draw_open(self) -> None:
        page = self.query_one(TabbedContent).active
        if page in self._stale and self._drawn is not None:
            self._stale.discard(page)
            self._widths[page] = self.draw_page(page, self._drawn)
        self.page_drawn()

    def page_drawn(self) -> None:
        """After the open tab's page is drawn (a subclass may say it is wider than the screen)."""

    def draw_page(self, page: str, f: Frame) -> int:
        """Fill one tab from the frame; returns its page's width (0 for one that fits any width)."""
        if page == "market":
            self.query_one("#news-body", Static).update(panels.news(f))
            return self._wide("#market-body", panels.market(f))
        if page == "company":
            return self._wide("#company-body", self.company_page(f))
        if page == "rivals":
            return self._wide("#rivals-body", self.rivals_page(f))
        if page == "standings":
            return self._wide("#standings-body", self.standings_page(f))
        span = (f.history[0]["quarter"], f.history[-1]["quarter"]) if f.history else ("", "")
        every = {name: [h.get(cid, {}).get("capacity_h100e") for h in f.history] for cid, name in f.names.items()}
        self.query_one("#plot-capacity", LineChart).plot(every, span)
        online = {name: [h.get(cid, {}).get("online_mw") for h in f.history] for cid, name in f.names.items()}
        self.query_one("#plot-online", LineChart).plot(online, span)
        self.query_one("#plot-index", LineChart).plot({"price index": [h["price_index"] for h in f.history]}, span)
        self.query_one("#plot-demand", LineChart).plot({"demand": [h["demand_h100e"] for h in f.history]}, span)
        self.query_one("#plot-cash", LineChart).plot(self.cash_series(f), span)
        return 0

    def _wide(self, selector: str, renderable) -> int:
        """Tables keep their natural width; a narrow terminal scrolls sideways instead of squashing
        them (and the screen says so). Returns that width."""
        w = self.query_one(selector, Static)
        console = self.app.console
        natural = Measurement.get(console, console.options.update_width(400), renderable).maximum
        # rendered once here, at a fixed size, so switching tabs lays out without re-measuring tables
        lines = console.render_lines(renderable, console.options.update_width(natural), pad=False)
        w.update(Text("\n").join(Text.assemble(*((seg.text, seg.style) for seg in line)) for line in lines))
        w.styles.width = natural
        w.styles.min_width = natural
        w.styles.height = len(lines)
        return natural

    # ---- intents ---------------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_scroll_tab(self, how: str) -> None:
        """Scroll the page of the open tab: its first scrollable container."""
        pane = self.query_one(TabbedContent).active_pane
        if pane is None:
            return
        for box in pane.query(ScrollableContainer):
            getattr(box, f"scroll_{how}")(animate=False)
            return
