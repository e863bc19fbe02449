"""Save, load and continue: small dialogs over the session's atomic saves."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option


class SaveDialog(ModalScreen):
    """Asks for a path; returns it (the app does the saving)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default: Path):
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Save the game to", classes="title")
            yield Input(str(self.default), id="path")
            yield Static("Enter saves · Esc cancels. Orders not yet sent are not saved.", classes="dim")

    @on(Input.Submitted)
    def _go(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class LoadDialog(ModalScreen):
    """Lists the saves in the saves folder, or takes a typed path; returns the path."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def compose(self) -> ComposeResult:
        files = sorted(self.folder.glob("*.json"), key=lambda p: p.name) if self.folder.is_dir() else []
        with Vertical(classes="dialog"):
            yield Label("Load a game", classes="title")
            yield OptionList(*[Option(str(p), id=str(p)) for p in files] or [Option("(no saves yet)", disabled=True)], id="files")
            yield Label("or type a path:")
            yield Input(placeholder="saves/my-game.json", id="path")
            yield Static("Enter loads · Esc cancels", classes="dim")

    @on(OptionList.OptionSelected)
    def _pick(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Input.Submitted)
    def _typed(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ContinueDialog(ModalScreen):
    """On start: an unfinished autosaved game exists. Continue it, or start a new one."""

    BINDINGS = [Binding("enter,y", "yes", "Continue it"), Binding("escape,n", "no", "New game")]

    def __init__(self, about: str):
        super().__init__()
        self.about = about

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("An unfinished game was autosaved", classes="title")
            yield Static(self.about)
            yield Static("Enter/y: continue it · Esc/n: start a new game", classes="dim")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class QuitDialog(ModalScreen):
    """Quitting with orders not yet sent: say what is lost, and ask."""

    BINDINGS = [Binding("y", "yes", "Quit and lose them"), Binding("escape,n", "no", "Stay")]

    def __init__(self, pending: int, autosave: str):
        super().__init__()
        self.pending, self.autosave = pending, autosave

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Quit with orders not yet sent?", classes="title")
            yield Static(
                f"{self.pending} pending order(s) of this quarter are lost if you quit now. "
                f"The game itself is kept: {self.autosave} holds it as of the start of this quarter."
            )
            yield Static("y: quit and lose them · Esc/n: stay (save with s, or end the quarter with e)", classes="dim")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)
