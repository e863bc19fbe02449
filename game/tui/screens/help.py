"""The rules reference, shipped in the package and shown as Markdown."""

from __future__ import annotations

from importlib.resources import files

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, MarkdownViewer


def rules_text() -> str:
    """The quick guide, then the rules of record (docs/rules.md, shipped in the package)."""
    guide = files("game.tui").joinpath("rules.md").read_text(encoding="utf-8")
    record = files("game").joinpath("docs", "rules.md")
    if not record.is_file():
        return guide
    body = record.read_text(encoding="utf-8").split("\n", 1)[-1]  # its own title gives way to ours
    return guide + "\n\n---\n\n# The rules of record\n\nEvery mechanism, formula and parameter the engine uses (docs/rules.md).\n" + body


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,f1", "close", "Close help")]

    def compose(self) -> ComposeResult:
        yield MarkdownViewer(rules_text(), show_table_of_contents=False, id="rules")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
