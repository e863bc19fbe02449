"""The terminal UI driven with keys only, as a player would."""

from __future__ import annotations

import pytest

from game.session import HUMAN, Session
from game.tui.app import GridlockApp
from game.tui.screens.game import GameScreen
from game.tui.screens.game_over import GameOverScreen
from game.tui.screens.handover import HandoverScreen
from game.tui.screens.help import HelpScreen
from game.tui.screens.new_game import NewGameScreen
from game.tui.screens.report import ReportScreen

from tui_helpers import clean_env, until, visible_text

pytestmark = pytest.mark.asyncio


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    clean_env(monkeypatch)


async def test_a_newcomer_plays_the_tutorial_to_the_end_with_keys_only(tmp_path):
    app = GridlockApp(saves_dir=tmp_path, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, NewGameScreen)
        await pilot.press("enter")  # the tutorial is first in the list, the first company is ours
        screen = await until(pilot, GameScreen)
        assert "Lesson 1, power" in visible_text(app)
        # quarter 1: bid 50 MW of grid power in the first region at $0.12M/MW
        await pilot.press("p", *"50", "tab", *"0.12", "enter")
        await pilot.pause()
        assert "✓ ok" in visible_text(app) and "Bid for 50 MW of grid power in ERCOT (Texas) at $0.12M/MW" in visible_text(app)
        quarters = 0
        while True:
            await pilot.press("e")
            await until(pilot, ReportScreen)
            quarters += 1
            if quarters == 1:
                assert "Won 50 MW of interconnect in ERCOT" in visible_text(app)
            await pilot.press("enter")
            screen = await until(pilot, (GameScreen, GameOverScreen))
            if isinstance(screen, GameOverScreen):
                break
            assert app.frame.view.quarter == quarters
        assert quarters == 8
        text = visible_text(app)
        assert "Game over" in text and "Standings" in text and "What decided the game" in text
        assert (tmp_path / "autosave.json").is_file()


async def test_an_order_the_engine_would_refuse_is_explained_and_not_added(tmp_path):
    app = GridlockApp(saves_dir=tmp_path, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await until(pilot, GameScreen)
        # borrow far beyond the covenant
        await pilot.press("f", *"999999", "enter")
        await pilot.pause()
        assert "would be REJECTED" in visible_text(app) and "lenders will lend at most" in visible_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.session.pending("aurora") == ()


async def test_orders_can_be_edited_and_deleted_before_the_quarter_ends(tmp_path):
    app = GridlockApp(saves_dir=tmp_path, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await until(pilot, GameScreen)
        await pilot.press("p", *"50", "tab", *"0.12", "enter")
        await pilot.press("p", *"20", "tab", *"0.3", "enter")
        await pilot.pause()
        assert [x.mw for x in app.session.pending("aurora")] == [50.0, 20.0]
        await pilot.press("4")  # the orders tab, its table focused
        await pilot.press("enter", "ctrl+a", "ctrl+k", *"75", "enter")  # edit the first: 75 MW
        await pilot.pause()
        assert [x.mw for x in app.session.pending("aurora")] == [75.0, 20.0]
        await pilot.press("down", "d")
        await pilot.pause()
        assert [x.mw for x in app.session.pending("aurora")] == [75.0]


async def test_hot_seat_views_never_show_another_humans_orders(tutorial, tmp_path):
    session = Session.start(tutorial, 9, {"aurora": HUMAN, "corecell": HUMAN}, saves_dir=tmp_path)
    app = GridlockApp(session, saves_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, HandoverScreen)
        assert "Aurora Web Services" in visible_text(app)
        await pilot.press("enter")
        await until(pilot, GameScreen)
        assert app.frame.seat == "aurora"
        await pilot.press("p", *"77", "tab", *"0.31", "enter")
        await pilot.pause()
        secret = "77 MW of grid power in ERCOT (Texas) at $0.31M/MW"
        assert secret in visible_text(app)
        aurora_cash = f"{app.frame.view.me.cash_musd / 1000:,.1f}B"
        await pilot.press("e")
        await until(pilot, HandoverScreen)
        assert secret not in visible_text(app) and "CoreCell" in visible_text(app)
        await pilot.press("enter")
        await until(pilot, GameScreen)
        assert app.frame.seat == "corecell"
        for tab in "12345":
            await pilot.press(tab)
            await pilot.pause()
            text = visible_text(app)
            assert secret not in text and "77 MW" not in text
            assert f"cash ${aurora_cash}" not in text
        # CoreCell's own order, then the quarter resolves; the report shows public results only
        await pilot.press("p", *"33", "tab", *"0.25", "enter", "e")
        await until(pilot, ReportScreen)
        assert "What happened to you" not in visible_text(app)
        await pilot.press("enter")
        await until(pilot, HandoverScreen)
        await pilot.press("enter")
        await until(pilot, GameScreen)
        assert app.frame.seat == "aurora"
        for tab in "12345":
            await pilot.press(tab)
            await pilot.pause()
            assert "mw=33.0, price_musd_per_mw=0.25" not in visible_text(app)


async def test_save_then_load_in_app_restores_the_quarter(tmp_path):
    app = GridlockApp(saves_dir=tmp_path, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await until(pilot, GameScreen)
        await pilot.press("e")
        await until(pilot, ReportScreen)
        await pilot.press("enter")
        await until(pilot, GameScreen)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k", *str(tmp_path / "mine.json"), "enter")
        await pilot.pause()
        assert (tmp_path / "mine.json").is_file()
        await pilot.press("e")
        await until(pilot, ReportScreen)
        await pilot.press("enter")
        await until(pilot, GameScreen)
        assert app.session.quarter == 2
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("tab", *str(tmp_path / "mine.json"), "enter")
        await until(pilot, GameScreen)
        for _ in range(50):
            if app.session.quarter == 1:
                break
            await pilot.pause(0.02)
        assert app.session.quarter == 1 and app.frame.view.quarter_label == "2026Q2"


async def test_start_offers_to_continue_an_unfinished_autosave(tutorial, tmp_path):
    s = Session.start(tutorial, 2, {"nebula": HUMAN}, saves_dir=tmp_path)
    s.advance()
    app = GridlockApp(saves_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "An unfinished game was autosaved" in visible_text(app)
        await pilot.press("y")
        await until(pilot, GameScreen)
        assert app.frame.seat == "nebula" and app.frame.view.quarter == 1


async def test_the_rules_open_from_any_screen(tmp_path):
    app = GridlockApp(saves_dir=tmp_path, seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await until(pilot, HelpScreen)
        text = "\n".join(str(b._content) if hasattr(b, "_content") else "" for b in app.screen.query("MarkdownBlock"))
        assert "How Gridlock works" in text and "A bankrupt company scores zero" in text
        await pilot.press("escape")
        await until(pilot, NewGameScreen)


async def test_every_game_action_is_in_the_command_palette(tmp_path):
    app = GridlockApp(saves_dir=tmp_path, seed=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        screen = await until(pilot, GameScreen)
        titles = {c.title for c in app.get_system_commands(screen)}
        assert {"End quarter", "Power", "Chips", "Build", "Labour (crews)", "Compute", "Finance", "Save", "Load", "Rules"} <= titles


async def test_a_site_is_started_from_the_build_form_with_keys_only(tutorial, tmp_path):
    """Lesson 2: a form with only choices (no number to type) is added from its button."""
    session = Session.start(tutorial, 3, {"corecell": HUMAN}, saves_dir=tmp_path)
    free = [p.id for p in session.view("corecell").me.power if p.site is None]
    assert free, "the tutorial gives CoreCell a power source without a site"
    app = GridlockApp(session, saves_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, GameScreen)
        await pilot.press("b")
        await pilot.pause()
        # power (first free source) is chosen; move to cooling, open it, pick the second (liquid)
        await pilot.press("tab", "enter", "down", "enter", "tab", "tab", "enter")
        await pilot.pause()
        pending = session.pending("corecell")
        assert len(pending) == 1 and pending[0].kind == "start_site"
        assert pending[0].power == free[0] and pending[0].cooling == "liquid"


async def test_orders_the_engine_refused_are_shown_with_their_reasons_next_quarter(tutorial, tmp_path):
    """An order valid when typed can still be refused at the end (here: sent straight to the
    session, as a stale form would); the next quarter says so, with the engine's reason."""
    from game.model.orders import Repay

    session = Session.start(tutorial, 3, {"nebula": HUMAN}, saves_dir=tmp_path)
    session.submit("nebula", [Repay(10**6)])  # more than Nebula owes
    app = GridlockApp(session, saves_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, GameScreen)
        await pilot.press("e")
        await until(pilot, ReportScreen)
        assert "✗ REJECTED repay(musd=1000000)" in visible_text(app) and "you owe only" in visible_text(app)
        await pilot.press("enter")
        await until(pilot, GameScreen)
        await pilot.press("2")
        await pilot.pause()
        text = visible_text(app)
        assert "1 refused last quarter" in text and "you owe only" in text
