"""The game screen: market, my company, rivals, my orders and charts for one seat; end the quarter."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Footer, Header, Static, TabbedContent, TabPane

from ... import advice
from ...session import ORDER_GROUPS, Session
from ..frame import Frame
from ..widgets import panels
from ..widgets.charts import LineChart
from .order_form import OrderForm


class OrdersTable(DataTable):
    """My pending orders; posts intents to edit or delete the highlighted one."""

    BINDINGS = [
        Binding("d,delete", "delete", "Delete order"),
        Binding("enter", "edit", "Edit order"),
    ]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.Edit(event.cursor_row))

    class Delete(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class Edit(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_columns("#", "Verdict", "Order", "Cash", "Consequence or reason")

    def show(self, f: Frame) -> None:
        row = self.cursor_row
        self.clear()
        for i, c in enumerate(f.preview.checks, 1):
            verdict = "✗ REJECT" if c.reason is not None else "⚠ check" if c.warnings else "✓ ok"
            cash = "" if c.reason else (("+" if c.cash_musd > 0 else "") + panels.money(c.cash_musd))
            note = c.reason if c.reason is not None else "; ".join(c.warnings) if c.warnings else c.consequence
            self.add_row(str(i), verdict, c.text, cash, note)
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1))

    def action_delete(self) -> None:
        if self.row_count:
            self.post_message(self.Delete(self.cursor_row))

    def action_edit(self) -> None:
        if self.row_count:
            self.post_message(self.Edit(self.cursor_row))


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


# the text pages: where each is drawn, from what
PAGES = {
    "market": ("#market-body", panels.market),
    "company": ("#company-body", panels.company),
    "rivals": ("#rivals-body", panels.rivals),
    "standings": ("#standings-body", panels.standings),
}


class GameScreen(Screen):
    """One seat's quarter. Redraws whenever the app's frame changes."""

    BINDINGS = [
        Binding("e", "end_turn", "End quarter"),
        Binding("o", "order('Power')", "New order"),
        Binding("p", "order('Power')", "Power", show=False),
        Binding("c", "order('Chips')", "Chips", show=False),
        Binding("b", "order('Build')", "Build", show=False),
        Binding("w", "order('Labour')", "Labour (crews)", show=False),
        Binding("m", "order('Compute')", "Compute", show=False),
        Binding("f", "order('Finance')", "Finance", show=False),
        Binding("h", "toggle_hint", "Hint on/off", show=False),
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

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.busy = False
        self.hint_hidden = False
        self._drawn: Frame | None = None  # the frame the panes show: they change with it, not with the size
        self._stale: set[str] = set()  # text pages not yet drawn from that frame
        self._widths: dict[str, int] = {}  # each text page's natural width, in cells

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="status")
        yield Static("", id="hint")
        yield Static("", id="narrow-note", classes="dim")
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
                yield Static(id="orders-summary")
                yield OrdersTable(id="orders-table")
                yield Static("o/p/c/b/w/m/f: new order by market · Enter: edit · d: delete · e: end quarter", classes="dim")
            with TabPane("5 Charts", id="charts"):
                with VerticalScroll(id="charts-body"):
                    yield LineChart("Installed capacity by company (H100e, public)", id="plot-capacity")
                    yield LineChart("Online power by company (MW, public)", id="plot-online")
                    yield LineChart("Price index ($ per H100e-hour)", id="plot-index")
                    yield LineChart("Market demand (H100e)", id="plot-demand")
                    yield LineChart("My cash and debt ($M)", id="plot-cash")
            with TabPane("6 Standings", id="standings"):
                with ScrollableContainer(classes="wide"):
                    yield Static(id="standings-body")
        yield Footer()

    def on_mount(self) -> None:
        # after the first refresh, when the header's parts exist to take the title
        self.call_after_refresh(self.watch, self.app, "frame", self.redraw)

    def redraw(self, f: Frame | None) -> None:
        if f is None:
            return
        v = f.view
        self.title = "Gridlock"
        self.sub_title = f"{v.scenario.game.name} · {v.quarter_label} ({v.quarter + 1}/{v.quarters_total}) · {v.me.name}"
        online = sum(s.mw for s in v.me.sites if s.stage == "online")
        if self.size.width >= 110:
            seat = v.me.name + (f" (hot-seat, {len(f.humans)} humans)" if len(f.humans) > 1 else "")
            status = Text.assemble(
                (f"{v.quarter_label}", "bold"), f"  {seat}  cash {panels.money(v.me.cash_musd)}  debt {panels.money(v.me.debt_musd)}  ",
                f"{online:,.0f} MW online  index ${v.price_index:.2f}  ",
                (f"rank {panels.my_rank(f)} score {f.score['score']:.2f}×  " if f.score else "", "bold"),
                (f"{len(f.preview.checks)} pending", "bold"),
            )
        else:  # a narrow terminal keeps the essentials: quarter, money, power, index, orders
            status = Text.assemble(
                (f"{v.quarter_label}", "bold"), f" {v.me.name.split()[0][:10]} cash {panels.money(v.me.cash_musd)} debt {panels.money(v.me.debt_musd)} ",
                f"{online:,.0f}MW idx ${v.price_index:.2f} ",
                (f"{panels.my_rank(f)} {f.score['score']:.2f}× " if f.score else "", "bold"), (f"{len(f.preview.checks)} pending", "bold"),
            )
        refused = len(f.last_private.rejected) if f.last_private is not None else 0
        if refused:
            status.append(f"  ✗ {refused} refused last quarter (2 Company)", style="bold")
        self.query_one("#status", Static).update(status)
        hint = self.query_one("#hint", Static)
        hint.update(Text("Tutorial (h hides this): " + f.hint) if f.hint else "")
        hint.display = bool(f.hint) and not self.hint_hidden
        # a short terminal gives the hint two rows (it scrolls), not a fifth of the screen
        hint.styles.max_height = 2 if self.size.height < 32 else None
        if f is not self._drawn:  # a resize redraws only the lines above, which fit the width
            self._draw_panes(f)
        self._note_wide()

    def _note_wide(self) -> None:
        note = self.query_one("#narrow-note", Static)
        note.update("◂▸ some tables are wider than the screen: shift+← / shift+→ scroll sideways")
        note.display = max(self._widths.values(), default=0) > self.size.width - 2

    def _draw_panes(self, f: Frame) -> None:
        """The open page now; the other text pages one by one once it is on screen (rendering
        rich tables is most of the work), or at once when their tab is opened first."""
        self._drawn = f
        self._stale = set(PAGES)
        self._draw_page(self.query_one(TabbedContent).active or "market")
        self.call_after_refresh(self._draw_stale, f)
        self.query_one("#news-body", Static).update(panels.news(f))
        self.query_one("#orders-summary", Static).update(panels.orders_summary(f))
        self.query_one(OrdersTable).show(f)
        mine = [h.get(f.seat, {}) for h in f.history]
        span = (f.history[0]["quarter"], f.history[-1]["quarter"]) if f.history else ("", "")
        every = {name: [h.get(cid, {}).get("capacity_h100e") for h in f.history] for cid, name in f.names.items()}
        self.query_one("#plot-capacity", LineChart).plot(every, span)
        online = {name: [h.get(cid, {}).get("online_mw") for h in f.history] for cid, name in f.names.items()}
        self.query_one("#plot-online", LineChart).plot(online, span)
        self.query_one("#plot-index", LineChart).plot({"price index": [h["price_index"] for h in f.history]}, span)
        self.query_one("#plot-demand", LineChart).plot({"demand": [h["demand_h100e"] for h in f.history]}, span)
        self.query_one("#plot-cash", LineChart).plot({"cash": [m.get("cash_musd") for m in mine], "debt": [m.get("debt_musd") for m in mine]}, span)

    def _draw_page(self, tab: str) -> None:
        if tab in self._stale:
            self._stale.discard(tab)
            selector, build = PAGES[tab]
            self._widths[tab] = self._wide(selector, build(self._drawn))
            self._note_wide()

    def _draw_stale(self, f: Frame) -> None:
        # the screen may have closed meanwhile (a game loaded, a new one started): nothing to draw
        if f is self._drawn and self._stale and self in self.app.screen_stack:
            self._draw_page(min(self._stale, key=list(PAGES).index))
            self.call_after_refresh(self._draw_stale, f)

    @on(TabbedContent.TabActivated)
    def _opened(self, event: TabbedContent.TabActivated) -> None:
        self._draw_page(event.pane.id)  # a tab clicked before its page was drawn

    def on_resize(self) -> None:
        self.redraw(self.app.frame)

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

    def action_toggle_hint(self) -> None:
        self.hint_hidden = not self.hint_hidden
        if self.app.frame is not None:
            self.query_one("#hint", Static).display = bool(self.app.frame.hint) and not self.hint_hidden

    # ---- intents ---------------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        self._draw_page(tab)
        self.query_one(TabbedContent).active = tab
        if tab == "orders":
            self.query_one(OrdersTable).focus()

    def action_scroll_tab(self, how: str) -> None:
        """Scroll the page of the open tab: its first scrollable container."""
        pane = self.query_one(TabbedContent).active_pane
        if pane is None:
            return
        for box in pane.query(ScrollableContainer):
            getattr(box, f"scroll_{how}")(animate=False)
            return

    def action_order(self, group: str) -> None:
        if self.busy:
            return
        f = self.app.frame
        kind = ORDER_GROUPS[group][0]
        self.app.push_screen(OrderForm(self.session, f.seat, self.session.pending(f.seat), kind), self._order_done)

    def _order_done(self, result) -> None:
        if not result:
            return
        index, order = result
        orders = list(self.session.pending(self.app.frame.seat))
        if index is None:
            orders.append(order)
            self.notify(f"Added: {advice.sentence(self.app.frame.view, order)}", timeout=3)
        else:
            orders[index] = order
            self.notify(f"Changed order {index + 1}", timeout=3)
        self.session.submit(self.app.frame.seat, orders)
        self.app.refresh_frame()
        self.action_tab("orders")

    @on(OrdersTable.Delete)
    def _delete(self, event: OrdersTable.Delete) -> None:
        orders = list(self.session.pending(self.app.frame.seat))
        if 0 <= event.index < len(orders):
            gone = orders.pop(event.index)
            self.session.submit(self.app.frame.seat, orders)
            self.app.refresh_frame()
            self.notify(f"Deleted: {advice.sentence(self.app.frame.view, gone)}", timeout=3)

    @on(OrdersTable.Edit)
    def _edit(self, event: OrdersTable.Edit) -> None:
        seat = self.app.frame.seat
        orders = self.session.pending(seat)
        if 0 <= event.index < len(orders) and hasattr(orders[event.index], "kind"):
            x = orders[event.index]
            self.app.push_screen(OrderForm(self.session, seat, orders, x.kind, existing=x, index=event.index), self._order_done)

    def action_end_turn(self) -> None:
        if self.busy:
            return
        self.app.seat_done()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        status = self.query_one("#status", Static)
        if busy:
            status.update(Text("Resolving the quarter… markets clear, sites build, books close.", style="bold"))


