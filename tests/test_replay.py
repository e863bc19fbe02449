"""gridlock replay: a finished game stepped through read-only in the terminal, and branched."""

from __future__ import annotations

import pytest

from game.runner import play, seat_agents
from game.saves import save_game
from game.session import HUMAN
from game.tui.app import GridlockApp
from game.tui.screens.game import GameScreen
from game.tui.screens.replay import EVERYONE, Replay, ReplayScreen
from game.tui.screens.report import ReportScreen

from tui_helpers import clean_env, until, visible_text

pytestmark = pytest.mark.asyncio


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    clean_env(monkeypatch)


@pytest.fixture(scope="module")
def baseline_save(tmp_path_factory):
    from game.scenario import load_scenario

    spec = load_scenario("baseline")
    seed = 2
    agents = seat_agents(spec, seed)
    game, _ = play(spec, seed, agents)
    assert game.quarter == 24 and game.finished
    path = tmp_path_factory.mktemp("replay") / "baseline.json"
    save_game(game, path, {cid: a.name for cid, a in agents.items()})
    return path


async def test_the_replay_steps_through_all_24_quarters_and_every_view(baseline_save, tmp_path):
    replay = Replay.load(baseline_save)
    app = GridlockApp(saves_dir=tmp_path, replay=replay)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await until(pilot, ReplayScreen)
        assert screen.index == 0 and "2026Q1" in visible_text(app) and "Every company (omniscient)" in visible_text(app)
        for q in range(1, 25):
            await pilot.press("right")
            assert screen.index == q
            text = visible_text(app)
            if q < 24:
                assert replay.labels[q] in text and f"Orders given in {replay.labels[q]}" in text
        assert "after 2031Q4" in visible_text(app) and "no orders after it" in visible_text(app)
        await pilot.press("right")  # the end stays the end
        assert screen.index == 24
        await pilot.press("home")
        assert screen.index == 0
        await pilot.press("end")
        assert screen.index == 24
        await pilot.press("home", "right", "right")
        # every company's own view, then back to everyone: each shows that company's orders only
        for cid, company in replay.spec.companies.items():
            await pilot.press("v")
            assert screen.viewpoint == cid
            text = visible_text(app)
            assert f"as {company.name}" in app.screen.sub_title and "Rivals — public figures" in text
            others = [c.name for k, c in replay.spec.companies.items() if k != cid]
            side = [t.plain for t in app.screen.query_one("#replay-orders").content.renderables]
            assert company.name in side and not any(name in side for name in others)
        await pilot.press("v")
        assert screen.viewpoint == EVERYONE
        side = [t.plain for t in app.screen.query_one("#replay-orders").content.renderables]
        assert all(c.name in side for c in replay.spec.companies.values())
        # read-only: the game-screen keys do nothing here
        await pilot.press("e", "o")
        assert isinstance(app.screen, ReplayScreen) and app.session is None


async def test_a_branch_from_the_replay_plays_on(baseline_save, tmp_path):
    replay = Replay.load(baseline_save)
    app = GridlockApp(saves_dir=tmp_path, replay=replay)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await until(pilot, ReplayScreen)
        await pilot.press("right", "right", "right", "v")  # 2026Q4, as the first company
        seat = screen.viewpoint
        await pilot.press("b")
        await until(pilot, GameScreen)
        s = app.session
        assert s.quarter == 3 and s.seats[seat] == HUMAN and s.game.order_log == replay.orders[:3]
        assert app.frame.view.quarter_label == "2026Q4"
        await pilot.press("e")  # the person ends the quarter with no orders; the agents play theirs
        await until(pilot, ReportScreen)
        await pilot.press("enter")
        await until(pilot, GameScreen)
        assert s.quarter == 4 and app.frame.view.quarter_label == "2027Q1"
        assert (tmp_path / "autosave.json").is_file()
