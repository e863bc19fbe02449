"""A form for one order: fields by kind, checked against the engine's rules as you type."""

from __future__ import annotations

from typing import Any

import attrs
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from ... import advice
from ...model.orders import ORDER_TYPES
from ...session import Session, field_choices, order_fields, order_kinds, parse_order
from ..widgets.panels import money

class OrderForm(ModalScreen):
    """Returns the order (or None) to the caller; never submits it itself."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "add", "Add or save the order", priority=True),
    ]

    def __init__(self, session: Session, seat: str, pending: tuple, kind: str, existing: Any = None, index: int | None = None):
        super().__init__()
        self.session, self.seat, self.pending = session, seat, tuple(pending)
        self.kind = kind
        self.existing, self.index = existing, index
        self.order: Any = None

    def compose(self) -> ComposeResult:
        with Vertical(id="order-form"):
            yield Label("Edit order" if self.existing is not None else "New order", classes="title")
            kinds = [(f"{group}: {kind}", kind) for group, kind in order_kinds(self.session.view(self.seat))]
            yield Select(kinds, value=self.kind, allow_blank=False, id="kind")
            yield Static("", id="doc", classes="dim")
            yield VerticalScroll(*self._field_widgets(), id="fields")
            yield Static("", id="market-row", classes="dim")
            yield Static("", id="verdict")
            with Horizontal(id="form-buttons"):
                yield Button("Save order" if self.existing is not None else "Add order", id="add", variant="primary")
                yield Button("Cancel", id="cancel")
            yield Static(f"Enter in a number field or ctrl+s {'saves' if self.existing is not None else 'adds'} · Esc cancels · Tab moves between fields", classes="dim")

    def on_mount(self) -> None:
        self._ready()

    async def _build_fields(self) -> None:
        box = self.query_one("#fields", VerticalScroll)
        await box.remove_children()
        await box.mount_all(self._field_widgets())
        self._ready()

    def _ready(self) -> None:
        """Describe the kind, focus its first field and check what is there."""
        self.query_one("#doc", Static).update((ORDER_TYPES[self.kind].__doc__ or "").strip())
        widgets = list(self.query_one("#fields", VerticalScroll).children)
        first = next((w for w in widgets if isinstance(w, Input)), None) or next((w for w in widgets if isinstance(w, (Select, Checkbox))), None)
        if first is not None:
            first.focus()
        self._check()

    def _field_widgets(self) -> list:
        view = self.session.view(self.seat)
        cls = ORDER_TYPES[self.kind]
        old = attrs.asdict(self.existing) if self.existing is not None and type(self.existing) is cls else {}
        widgets = []
        remembered = getattr(self.app, "remembered", {})
        for name, typ in order_fields(self.kind):
            label = advice.label(name)
            choices = field_choices(view, self.kind, name)
            if typ is bool:
                widgets.append(Checkbox(label, value=bool(old.get(name, False)), id=f"f-{name}"))
                continue
            widgets.append(Label(label + ":"))
            if typ is str:
                if choices:
                    # what the order had, else what this seat chose last time (defaults must not
                    # shift silently between quarters as new generations arrive), else the first
                    allowed = {c[0] for c in choices}
                    last = remembered.get((self.seat, self.kind, name))
                    value = old.get(name) if old.get(name) in allowed else last if last in allowed else choices[0][0]
                    widgets.append(Select([(lbl, val) for val, lbl in choices], value=value, allow_blank=False, id=f"f-{name}"))
                else:
                    widgets.append(Static(f"(nothing to choose: no {label.lower()} available to you now)", id=f"f-{name}", classes="dim"))
            else:
                kind = "integer" if typ is int else "number"
                value = "" if name not in old else f"{old[name]:g}" if typ is float else str(old[name])
                widgets.append(Input(value=value, placeholder=self._suggest(view, name), type=kind, id=f"f-{name}"))
        if not widgets:
            widgets.append(Static("This order has no fields.", classes="dim"))
        return widgets

    def _suggest(self, view, name: str) -> str:
        hints = {
            "mw": "MW, e.g. 50",
            "price_musd_per_mw": "$M per MW, at or above the reserve",
            "price_musd_per_unit": "$M per unit (0.04 = $40k)",
            "units": "accelerators",
            "units_per_quarter": "accelerators per quarter",
            "quarters": "quarters",
            "crews": "crews",
            "wage_musd": "$M per crew, at or above the last wage",
            "musd": "$M",
            "price_usd_per_h100e_hour": f"$ per H100e-hour (index {view.price_index:.2f})",
            "price_musd": "$M, at or above the reserve",
            "h100e": "H100e",
            "max_price_usd_per_h100e_hour": "$ per H100e-hour",
        }
        return hints.get(name, "")

    def _values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, typ in order_fields(self.kind):
            w = self.query(f"#f-{name}")
            if not w:
                continue
            w = w.first()
            if isinstance(w, Input):
                out[name] = w.value
            elif isinstance(w, Select):
                out[name] = w.value if isinstance(w.value, str) else None
            elif isinstance(w, Checkbox):
                out[name] = w.value
        return out

    def _check(self) -> None:
        verdict = self.query_one("#verdict", Static)
        view = self.session.view(self.seat)
        self.query_one("#market-row", Static).update("\n".join(advice.market_row(view, self.kind, self._values())))
        try:
            order = parse_order(self.kind, self._values())
        except ValueError as e:
            self.order = None
            self.query_one("#add", Button).disabled = True
            verdict.update(Text.assemble(("… ", "bold"), str(e)))
            verdict.set_class(False, "ok")
            verdict.set_class(True, "bad")
            return
        others = list(self.pending)
        if self.index is not None:
            others[self.index] = order
        else:
            others.append(order)
        preview = self.session.preview(self.seat, others)
        check = preview.checks[self.index if self.index is not None else len(others) - 1]
        ok = check.reason is None
        self.order = order if ok else None
        self.query_one("#add", Button).disabled = not ok
        warned = advice.warnings(view, others, self.index if self.index is not None else len(others) - 1) if ok else []
        if ok:
            head = ("⚠ legal, but check: " + "; ".join(warned), "bold") if warned else ("✓ accepted as of now", "bold")
            text = Text.assemble(head, f"  cash {'+' if check.cash_musd > 0 else ''}{money(check.cash_musd)}", "\n", check.consequence,
                                 f"\nAll my orders: cash out up to {money(preview.cash_out_musd)}, in {money(preview.cash_in_musd)}; funds {money(preview.funds_musd)}")
        else:
            text = Text.assemble(("✗ would be REJECTED: ", "bold"), check.reason or "")
        verdict.update(text)
        verdict.set_class(ok and not warned, "ok")
        verdict.set_class(ok and bool(warned), "warn")
        verdict.set_class(not ok, "bad")

    @on(Select.Changed, "#kind")
    async def _kind_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.kind:
            self.kind = event.value
            await self._build_fields()

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _field_changed(self, event) -> None:
        self._check()

    @on(Select.Changed)
    def _choice_changed(self, event: Select.Changed) -> None:
        if event.select.id != "kind":
            self._check()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_add()

    @on(Button.Pressed, "#add")
    def _add_pressed(self) -> None:
        self.action_add()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_add(self) -> None:
        self._check()
        if self.order is None:
            self.notify("This order would be rejected; fix it or press Esc.", severity="warning")
            return
        remembered = getattr(self.app, "remembered", None)
        if remembered is not None:
            for name, value in self._values().items():
                if isinstance(value, str) and self.query(f"Select#f-{name}"):
                    remembered[(self.seat, self.kind, name)] = value
        self.dismiss((self.index, self.order))

    def action_cancel(self) -> None:
        self.dismiss(None)
