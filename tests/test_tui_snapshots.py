"""Snapshots of the main screens at a fixed size and seed (pytest-textual-snapshot).

The SVGs under tests/__snapshots__ were checked by eye when made; `pytest --snapshot-update`
remakes them after a deliberate change to what a screen shows."""

from __future__ import annotations

import pytest

from game.session import HUMAN, Session
from game.tui.app import GridlockApp
from game.tui.screens.report import ReportScreen

from tui_helpers import clean_env

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    clean_env(monkeypatch)


@pytest.fixture
def app(tutorial, tmp_path):
    return GridlockApp(Session.start(tutorial, 7, {"corecell": HUMAN}, saves_dir=tmp_path), saves_dir=tmp_path)


async def _wait_for(pilot, kind):
    for _ in range(500):
        if isinstance(pilot.app.screen, kind):
            break
        await pilot.pause(0.02)
    await pilot.pause()


def test_new_game_screen(snap_compare, tmp_path):
    assert snap_compare(GridlockApp(saves_dir=tmp_path, seed=7), terminal_size=SIZE)


def test_market_dashboard(snap_compare, app):
    assert snap_compare(app, terminal_size=SIZE)


def test_market_dashboard_at_80x24(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24))


def test_my_company(snap_compare, app):
    assert snap_compare(app, terminal_size=SIZE, press=["2"])


def test_standings(snap_compare, tutorial, tmp_path):
    s = Session.start(tutorial, 7, {"corecell": HUMAN}, saves_dir=tmp_path)
    s.advance()
    assert snap_compare(GridlockApp(s, saves_dir=tmp_path), terminal_size=SIZE, press=["6"])


def test_standings_at_80x24(snap_compare, tutorial, tmp_path):
    s = Session.start(tutorial, 7, {"corecell": HUMAN}, saves_dir=tmp_path)
    s.advance()
    assert snap_compare(GridlockApp(s, saves_dir=tmp_path), terminal_size=(80, 24), press=["6"])


def test_order_form_checks_as_you_type(snap_compare, app):
    assert snap_compare(app, terminal_size=SIZE, press=["c", *"2000", "tab", *"0.03"])


def test_orders_review(snap_compare, app):
    assert snap_compare(app, terminal_size=SIZE, press=["p", *"40", "tab", *"0.15", "enter", "w", *"10", "tab", *"9", "enter"])


def test_quarter_report(snap_compare, app):
    async def end_quarter(pilot):
        await pilot.press("e")
        await _wait_for(pilot, ReportScreen)

    assert snap_compare(app, terminal_size=SIZE, run_before=end_quarter)


def test_game_over_debrief(snap_compare, tutorial, tmp_path):
    s = Session.start(tutorial, 7, {"corecell": HUMAN}, saves_dir=tmp_path)
    while not s.finished:
        s.advance()
    assert snap_compare(GridlockApp(s, saves_dir=tmp_path), terminal_size=SIZE)


def test_hot_seat_hand_over(snap_compare, tutorial, tmp_path):
    s = Session.start(tutorial, 7, {"corecell": HUMAN, "nebula": HUMAN}, saves_dir=tmp_path)
    assert snap_compare(GridlockApp(s, saves_dir=tmp_path), terminal_size=SIZE)
