"""The headless core never imports the UI libraries (the engine, model, scenario and agents run without a terminal)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORE = ("game.engine", "game.model", "game.scenario", "game.agents", "game.runner", "game.saves")
UI = ("textual", "rich")

# Prints the UI packages (and their submodules) that importing the given modules pulled in.
PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
ui = {ui!r}
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ui)))
"""


def ui_modules_after_importing(*modules: str) -> list[str]:
    r = subprocess.run(
        [sys.executable, "-c", PROBE.format(ui=UI), *modules],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert r.returncode == 0, f"importing {modules} failed:\n{r.stderr}"
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_the_probe_sees_a_ui_import_when_there_is_one():
    # the check itself must be able to fail: importing rich directly is seen
    assert "rich" in ui_modules_after_importing("rich")


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_without_textual_or_rich(module):
    assert ui_modules_after_importing(module) == []


def test_whole_headless_core_together_imports_without_textual_or_rich():
    assert ui_modules_after_importing(*CORE) == []
