"""Shared by the TUI tests: a clean rendering environment and the text a player can see."""

from __future__ import annotations

import os

from rich.console import Console
from textual.widgets import DataTable, Static

RENDERING_VARS = ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TERM_PROGRAM", "COLORTERM")


def clean_env(monkeypatch) -> None:
    for k in list(os.environ):
        if k in RENDERING_VARS or (k.startswith("TEXTUAL_") and not k.startswith("TEXTUAL_SNAPSHOT")):
            monkeypatch.delenv(k, raising=False)


def visible_text(app) -> str:
    """Every Static's content and every table cell on the current screen, as plain text."""
    console = Console(width=400, record=True, color_system=None)
    out = []
    for w in app.screen.query("*"):
        if isinstance(w, Static):
            with console.capture() as cap:
                console.print(w.content)
            out.append(cap.get())
        elif isinstance(w, DataTable):
            for r in range(w.row_count):
                out.append(" ".join(str(c) for c in w.get_row_at(r)))
    return "\n".join(out)


async def until(pilot, screen_type, tries: int = 400):
    """Let the app run (and the engine worker finish) until `screen_type` is on top."""
    for _ in range(tries):
        if isinstance(pilot.app.screen, screen_type):
            return pilot.app.screen
        await pilot.pause(0.02)
    names = screen_type.__name__ if isinstance(screen_type, type) else " or ".join(t.__name__ for t in screen_type)
    raise AssertionError(f"expected {names}, on {type(pilot.app.screen).__name__}")
