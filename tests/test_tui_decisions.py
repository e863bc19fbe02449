"""The TUI as decision support, driven with keys only: warnings, scrolling, quitting safely."""

from __future__ import annotations

import pytest
from textual.containers import ScrollableContainer
from textual.widgets import TabbedContent

from game.tui.app import GridlockApp
from game.tui.screens.game import GameScreen
from game.tui.screens.order_form import OrderForm
from game.tui.screens.report import ReportScreen
from game.tui.screens.saves import QuitDialog

from tui_helpers import clean_env, until, visible_text

pytestmark = pytest.mark.asyncio


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    clean_env(monkeypatch)


async def start(pilot):
    await pilot.press("enter")  # the tutorial, first company
    return await until(pilot, GameScreen)


async def test_a_power_bid_below_the_reserve_is_legal_but_warned_about_in_the_form_and_the_list(tmp_path):
    app = GridlockApp(saves_dir=tmp_path, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        reserve = app.frame.view.region("ercot").grid_reserve_price_musd_per_mw
        await pilot.press("p", *"50", "tab", *f"{reserve / 2:.3f}")
        await pilot.pause()
        form = await until(pilot, OrderForm)
        text = visible_text(app)
        assert "⚠ legal, but check: below the reserve" in text
        assert "accepted as of now" not in text
        # the market row the bid is decided with sits inside the form
        assert f"reserve ${reserve:.2f}M/MW" in text and "MW on offer" in text
        assert "Price ($M per MW)" in text  # a plain label with its unit, not 'price musd per mw'
        await pilot.press("enter")
        await until(pilot, GameScreen)
        assert form is not app.screen
        text = visible_text(app)
        assert "⚠ check" in text and "below the reserve" in text
        assert len(app.session.pending("aurora")) == 1  # a warning never refuses


async def test_an_edit_saves_the_order_rather_than_adding_one(tmp_path):
    app = GridlockApp(saves_dir=tmp_path, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("p", *"50", "tab", *"0.12", "enter")
        await until(pilot, GameScreen)
        await pilot.press("4", "enter")
        await until(pilot, OrderForm)
        assert "Save order" in str(app.screen.query_one("#add").label)
        await pilot.press("escape")


@pytest.mark.parametrize("tab", ["market", "company", "charts"])
async def test_every_tab_scrolls_to_its_end_and_back_from_the_keyboard(tmp_path, tab):
    app = GridlockApp(saves_dir=tmp_path, seed=3)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot)
        if tab == "charts":  # the charts need a quarter or two of history
            for _ in range(2):
                await pilot.press("e")
                await until(pilot, ReportScreen)
                await pilot.press("enter")
                screen = await until(pilot, GameScreen)
        await pilot.press({"market": "1", "company": "2", "charts": "5"}[tab])
        await pilot.pause()
        pane = screen.query_one(TabbedContent).active_pane
        box = pane.query(ScrollableContainer).first()
        assert box.max_scroll_y > 0, "at 80x24 the tab is taller than the screen"
        await pilot.press("end")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
        await pilot.press("home")
        await pilot.pause()
        assert box.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert box.scroll_y > 0


async def test_quitting_with_pending_orders_asks_first_and_can_stay(tmp_path):
    app = GridlockApp(saves_dir=tmp_path, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("p", *"50", "tab", *"0.12", "enter")
        await until(pilot, GameScreen)
        await pilot.press("ctrl+q")
        await until(pilot, QuitDialog)
        assert "1 pending order(s) of this quarter are lost" in visible_text(app)
        await pilot.press("n")
        await until(pilot, GameScreen)
        assert app.is_running and len(app.session.pending("aurora")) == 1
        await pilot.press("ctrl+q")
        await until(pilot, QuitDialog)
        await pilot.press("y")
        await pilot.pause()
        assert not app.is_running


async def test_quitting_with_nothing_pending_quits_at_once(tmp_path):
    app = GridlockApp(saves_dir=tmp_path, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_the_chip_form_keeps_the_generation_chosen_last_time(tmp_path):
    app = GridlockApp(saves_dir=tmp_path, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("c")
        form = await until(pilot, OrderForm)
        select = form.query_one("#f-generation")
        default = select.value
        view = app.frame.view
        other = next(g for g in view.generations if g.released and g.in_production and not g.custom and g.id != default)
        select.value = other.id
        await pilot.pause()
        form.query_one("#f-units").value = "100"
        form.query_one("#f-price_musd_per_unit").value = f"{other.list_price_musd:.4f}"
        await pilot.press("ctrl+s")
        await until(pilot, GameScreen)
        assert len(app.session.pending("aurora")) == 1
        await pilot.press("c")
        form = await until(pilot, OrderForm)
        assert form.query_one("#f-generation").value == other.id
