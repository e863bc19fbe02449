"""The rules reference, shipped in the package and shown as Markdown."""

from __future__ import annotations

from importlib.resources import files

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, MarkdownViewer


def rules_text() -> str:
    return files("game.tui").joinpath("rules.md").read_text(encoding="utf-8")


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,f1", "close", "Close help")]

    def compose(self) -> ComposeResult:
        yield MarkdownViewer(rules_text(), show_table_of_contents=False, id="rules")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
