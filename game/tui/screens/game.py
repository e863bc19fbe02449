"""The game screen: market, my company, rivals, my orders and charts for one seat; end the quarter."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from ... import advice
from ...session import ORDER_GROUPS, Session
from ..frame import Frame
from ..widgets import panels
from .dashboard import Dashboard
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


class GameScreen(Dashboard):
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
        yield Static("", id="narrow-note", classes="dim")
        yield from self.compose_tabs()
        yield Footer()

    def compose_orders(self) -> ComposeResult:
        yield Static(id="orders-summary")
        yield OrdersTable(id="orders-table")
        yield Static("o/p/c/b/w/m/f: new order by market · Enter: edit · d: delete · e: end quarter", classes="dim")

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
            self.draw_lazily(f)
            self.query_one("#orders-summary", Static).update(panels.orders_summary(f))
            self.query_one(OrdersTable).show(f)
        else:
            self.page_drawn()  # whether a page is wider than the new size

    def page_drawn(self) -> None:
        """Say so under the status when a drawn page is wider than the screen."""
        note = self.query_one("#narrow-note", Static)
        note.update("◂▸ some tables are wider than the screen: shift+← / shift+→ scroll sideways")
        note.display = max(self._widths.values(), default=0) > self.size.width - 2

    def on_resize(self) -> None:
        self.redraw(self.app.frame)

    def action_toggle_hint(self) -> None:
        self.hint_hidden = not self.hint_hidden
        if self.app.frame is not None:
            self.query_one("#hint", Static).display = bool(self.app.frame.hint) and not self.hint_hidden

    # ---- intents ---------------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        super().action_tab(tab)
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


