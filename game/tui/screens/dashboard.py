"""The dashboard's tabs (market, company, rivals, orders, charts, standings) drawn from one Frame:
shared by the game screen, where a seat plays, and the replay, where it is watched read-only."""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Static, TabbedContent, TabPane

from ..frame import Frame
from ..widgets import panels
from ..widgets.charts import LineChart


class Tabs(TabbedContent):
    """Tabbed content whose switch repaints no more than what changes. The stock one repaints
    its whole area (blank rows under the pages) on every switch, which the compositor then
    splits row by row; the page that opens is laid out and painted anyway."""

    active: reactive[str] = reactive("", init=False, repaint=False)

    def _watch_active(self, active: str) -> None:
        # the same for the switcher under the pages: show the new page without repainting it
        # (the stock watcher then finds `current` already set, and leaves it alone)
        switcher = self.get_child_by_type(ContentSwitcher)
        old = switcher.current
        if old != active:
            switcher.set_reactive(ContentSwitcher.current, active)
            switcher.watch_current(old, active)
        super()._watch_active(active)


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
        with Tabs(initial="market", id="tabs"):
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

    PAGES = ("market", "company", "rivals", "charts", "standings")  # the tabs drawn from the frame, in this order

    def draw_lazily(self, f: Frame) -> None:
        """Draw from a new frame: the open tab's page now, the other pages one by one once it is on
        screen (rendering a page's wide tables is most of the work), or at once when their tab is
        opened first."""
        self._drawn = f
        self._stale = set(self.PAGES)
        self._draw(self.query_one(TabbedContent).active or "market")
        self.page_drawn()
        self.call_after_refresh(self._draw_stale, f)

    def _draw(self, page: str) -> None:
        """Draw the page from the last frame, unless it is drawn from it already."""
        if page in self._stale:
            self._stale.discard(page)
            self._widths[page] = self.draw_page(page, self._drawn)

    def _draw_stale(self, f: Frame) -> None:
        # the screen may have closed meanwhile (a game loaded, a new one started), or a newer frame
        # come (it has its own chain): nothing to draw
        if f is self._drawn and self._stale and self in self.app.screen_stack:
            self._draw(min(self._stale, key=self.PAGES.index))
            self.page_drawn()
            self.call_after_refresh(self._draw_stale, f)

    @on(TabbedContent.TabActivated)
    def _opened(self, event: TabbedContent.TabActivated) -> None:
        self._draw(event.pane.id)  # a tab clicked before its page was drawn
        self.page_drawn()

    def page_drawn(self) -> None:
        """After a page is drawn or a tab opened (a subclass may say it is wider than the screen)."""

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
        # rendered once here, unpadded in a generous width where every table takes its natural
        # width (one pass: no measuring first), so switching tabs lays out without re-measuring
        lines = console.render_lines(renderable, console.options.update_width(400), pad=False)
        natural = max((Segment.get_line_length(line) for line in lines), default=0)
        w.update(Text("\n").join(Text.assemble(*((seg.text, seg.style) for seg in line)) for line in lines))
        # no narrower than its page, though (min-width in the stylesheet): a body narrower than the
        # page adds a cut to every row, which textual's compositor then splits every layer's line at
        w.styles.width = natural
        w.styles.height = len(lines)
        return natural

    # ---- intents ---------------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        self._draw(tab)  # its page drawn before it shows, not just after
        self.query_one(TabbedContent).active = tab

    def action_scroll_tab(self, how: str) -> None:
        """Scroll the page of the open tab: its first scrollable container."""
        pane = self.query_one(TabbedContent).active_pane
        if pane is None:
            return
        for box in pane.query(ScrollableContainer):
            getattr(box, f"scroll_{how}")(animate=False)
            return
