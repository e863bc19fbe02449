"""The game screen: market, my company, rivals, my orders and charts for one seat; end the quarter."""

from __future__ import annotations

from rich.measure import Measurement
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Sparkline, Static, TabbedContent, TabPane

from ...model.orders import describe
from ...session import ORDER_GROUPS, Session
from ..frame import Frame
from ..widgets import panels
from ..widgets.charts import BlockPlot
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
            verdict = "✓ ok" if c.reason is None else "✗ REJECT"
            cash = "" if c.reason else (("+" if c.cash_musd > 0 else "") + panels.money(c.cash_musd))
            self.add_row(str(i), verdict, c.text, cash, c.consequence if c.reason is None else c.reason)
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1))

    def action_delete(self) -> None:
        if self.row_count:
            self.post_message(self.Delete(self.cursor_row))

    def action_edit(self) -> None:
        if self.row_count:
            self.post_message(self.Edit(self.cursor_row))


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
    ]

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.busy = False
        self.hint_hidden = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="status")
        yield Static("", id="hint")
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
                yield Static(id="orders-summary")
                yield OrdersTable(id="orders-table")
                yield Static("o/p/c/b/w/m/f: new order by market · Enter: edit · d: delete · e: end quarter", classes="dim")
            with TabPane("5 Charts", id="charts"):
                with VerticalScroll():
                    yield Static("Price index over the campaign", classes="title")
                    yield Sparkline([], id="spark-index")
                    yield BlockPlot("Price index ($ per H100e-hour)", id="plot-index", unit="")
                    yield BlockPlot("Installed capacity, every company (H100e)", id="plot-market-capacity", unit="")
                    yield BlockPlot("My capacity (H100e)", id="plot-capacity", unit="")
                    yield BlockPlot("My cash ($M)", id="plot-cash", unit="")
                    yield BlockPlot("Market demand (H100e)", id="plot-demand", unit="")
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
        seat = f"Seat: {v.me.name}" + (f" (hot-seat, {len(f.humans)} humans)" if len(f.humans) > 1 else "")
        status = Text.assemble(
            (f"{v.quarter_label}", "bold"), f"  {seat}  cash {panels.money(v.me.cash_musd)}  debt {panels.money(v.me.debt_musd)}  ",
            f"online {sum(s.mw for s in v.me.sites if s.stage == 'online'):,.0f} MW  index ${v.price_index:.2f}  ",
            (f"{len(f.preview.checks)} order(s) pending", "bold"),
        )
        refused = len(f.last_private.rejected) if f.last_private is not None else 0
        if refused:
            status.append(f"  ✗ {refused} refused last quarter (2 Company)", style="bold")
        self.query_one("#status", Static).update(status)
        hint = self.query_one("#hint", Static)
        hint.update(Text("Tutorial: " + f.hint + "  [h hides this]") if f.hint else "")
        hint.display = bool(f.hint) and not self.hint_hidden
        self._wide("#market-body", panels.market(f))
        self.query_one("#news-body", Static).update(panels.news(f))
        self._wide("#company-body", panels.company(f))
        self._wide("#rivals-body", panels.rivals(f))
        self.query_one("#orders-summary", Static).update(panels.orders_summary(f))
        self.query_one(OrdersTable).show(f)
        mine = [h.get(f.seat, {}) for h in f.history]
        span = (f.history[0]["quarter"], f.history[-1]["quarter"]) if f.history else ("", "")
        self.query_one("#spark-index", Sparkline).data = [h["price_index"] for h in f.history] + [v.price_index]
        self.query_one("#plot-index", BlockPlot).plot([h["price_index"] for h in f.history], span)
        self.query_one("#plot-market-capacity", BlockPlot).plot([sum(h[c]["capacity_h100e"] for c in f.names if c in h) for h in f.history], span)
        self.query_one("#plot-capacity", BlockPlot).plot([m.get("capacity_h100e", 0) for m in mine], span)
        self.query_one("#plot-cash", BlockPlot).plot([m.get("cash_musd", 0) for m in mine], span)
        self.query_one("#plot-demand", BlockPlot).plot([h["demand_h100e"] for h in f.history], span)

    def _wide(self, selector: str, renderable) -> None:
        """Tables keep their natural width; a narrow terminal scrolls sideways instead of squashing them."""
        w = self.query_one(selector, Static)
        console = self.app.console
        natural = Measurement.get(console, console.options.update_width(400), renderable).maximum
        # rendered once here, at a fixed size, so switching tabs lays out without re-measuring tables
        lines = console.render_lines(renderable, console.options.update_width(natural), pad=False)
        w.update(Text("\n").join(Text.assemble(*((seg.text, seg.style) for seg in line)) for line in lines))
        w.styles.width = natural
        w.styles.min_width = natural
        w.styles.height = len(lines)

    def action_toggle_hint(self) -> None:
        self.hint_hidden = not self.hint_hidden
        if self.app.frame is not None:
            self.query_one("#hint", Static).display = bool(self.app.frame.hint) and not self.hint_hidden

    # ---- intents ---------------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        if tab == "orders":
            self.query_one(OrdersTable).focus()

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
            self.notify(f"Added {describe(order)}", timeout=3)
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
            self.notify(f"Deleted {describe(gone) if hasattr(gone, 'kind') else gone}", timeout=3)

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


