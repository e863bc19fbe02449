"""Hot-seat: a blank screen between two humans, so nobody sees another's orders or view."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Footer, Static


class HandoverScreen(Screen):
    BINDINGS = [Binding("enter", "ready", "I am ready")]

    def __init__(self, name: str, quarter: str):
        super().__init__()
        self.who, self.quarter = name, quarter

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Static(f"{self.quarter}: pass the keyboard to {self.who}.\n\n{self.who}, press Enter when the others are not looking.", id="handover")
        yield Footer()

    def action_ready(self) -> None:
        self.dismiss(True)
