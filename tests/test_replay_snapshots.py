"""Snapshots of the replay (pytest-textual-snapshot): a company's tabs with its orders beside at
120×40, and the omniscient view at 80×24. Checked by eye when made; `pytest --snapshot-update`
remakes them after a deliberate change to what the replay shows."""

from __future__ import annotations

import pytest

from game.tui.app import GridlockApp
from game.tui.screens.replay import Replay

from tui_helpers import clean_env


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    clean_env(monkeypatch)


@pytest.fixture
def saved(baseline_played):
    return baseline_played[1]


def test_replay_company_view(snap_compare, saved, tmp_path):
    # 2027Q3 as Nebula (the fifth company), its own company tab, its orders beside
    app = GridlockApp(saves_dir=tmp_path, replay=Replay.load(saved))
    assert snap_compare(app, terminal_size=(120, 40), press=[*["right"] * 6, *["v"] * 5, "2"])


def test_replay_omniscient_standings_at_80x24(snap_compare, saved, tmp_path):
    app = GridlockApp(saves_dir=tmp_path, replay=Replay.load(saved))
    assert snap_compare(app, terminal_size=(80, 24), press=[*["right"] * 12, "6"])
