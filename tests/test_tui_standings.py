"""Where a player stands, always on screen: the Standings tab, the header's rank, the game-over
score components; a rival's private figures never shown."""

from __future__ import annotations

import pytest

from game.engine.scoring import score_parts
from game.session import HUMAN, Session, public_value_musd
from game.tui.app import GridlockApp
from game.tui.screens.game import GameScreen

from tui_helpers import clean_env, until, visible_text


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    clean_env(monkeypatch)


def _played(tutorial, tmp_path, quarters: int = 2) -> Session:
    session = Session.start(tutorial, 3, {"corecell": HUMAN}, saves_dir=tmp_path)
    for _ in range(quarters):
        session.advance()
    return session


def test_standings_list_every_company_ranked_by_the_documented_public_value(tutorial, tmp_path):
    s = _played(tutorial, tmp_path)
    rows = s.standings("corecell")
    assert {r.id for r in rows} == set(tutorial.companies)
    assert [r.rank for r in rows] == [1, 2, 3]
    assert [r.mine for r in rows].count(True) == 1
    view = s.view("corecell")
    cost = s.public_report().markets["compute"]["cost_of_serving_usd_per_h100e_hour"]
    for r in rows:
        assert r.public_value_musd == pytest.approx(public_value_musd(view, r.capacity_h100e, r.power_mw, r.online_mw, cost))
    values = [r.public_value_musd for r in rows]
    assert values == sorted(values, reverse=True)
    assert sum(r.share_h100e for r in rows) == pytest.approx(1.0)
    # a rival's figures are the public ones the market publishes, nothing more
    rival = next(r for r in rows if r.id == "aurora")
    public = next(r for r in view.rivals if r.id == "aurora")
    assert (rival.capacity_h100e, rival.online_mw, rival.power_mw) == (public.capacity_h100e, public.online_mw, public.power_mw)
    # my own row counts the same way: H100e installed in online halls now (what my screens show)
    me = next(r for r in rows if r.mine)
    from game.tui.frame import frame_of
    from game.tui.widgets.panels import installed_h100e

    assert me.capacity_h100e == pytest.approx(installed_h100e(frame_of(s, "corecell")))


def test_my_score_estimate_is_the_engines_score_of_my_books(tutorial, tmp_path):
    s = _played(tutorial, tmp_path)
    g = s.game.core
    assert s.score_estimate("corecell") == score_parts(g, g.world.companies["corecell"], s.game.stats["corecell"])
    # the same sum the report prints at the end, if the game ended here
    mine = next(r for r in s.result().standings if r.id == "corecell")
    assert s.score_estimate("corecell")["score"] == pytest.approx(mine.score, abs=1e-5)


@pytest.mark.asyncio
async def test_the_standings_tab_and_header_show_rank_and_my_score_but_no_rival_score(tutorial, tmp_path):
    s = _played(tutorial, tmp_path)
    est = s.score_estimate("corecell")
    me = next(r for r in s.standings("corecell") if r.mine)
    app = GridlockApp(s, saves_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, GameScreen)
        text = visible_text(app)
        assert f"rank #{me.rank}/3 score {est['score']:.2f}×  0 pending" in text  # the header, on every tab
        assert len(str(app.screen.query_one("#status").content)) <= 118
        await pilot.press("6")
        await pilot.pause()
        text = visible_text(app)
        assert "Standings after" in text and "How the rank is made" in text
        assert text.count("private") >= 2  # both rivals' scores
        assert "CoreCell (you)" in text and "Aurora Web Services" in text and "Nebula" in text
        assert f"{est['score']:.2f}× est." in text and "= value created" in text and "passive benchmark" in text
    async with GridlockApp(s, saves_dir=tmp_path).run_test(size=(80, 24)) as pilot:
        await until(pilot, GameScreen)
        text = visible_text(pilot.app)
        assert f"#{me.rank}/3 {est['score']:.2f}× 0 pending" in text  # the narrow header keeps rank, score and orders
        status = str(pilot.app.screen.query_one("#status").content)
        assert len(status) <= 78, status  # and all of it fits in 80 columns


@pytest.mark.asyncio
async def test_game_over_shows_every_score_component(tutorial, tmp_path):
    from game.tui.screens.game_over import GameOverScreen

    s = _played(tutorial, tmp_path, tutorial.game.quarters)
    app = GridlockApp(s, saves_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, GameOverScreen)
        text = visible_text(app)
        assert "Score components" in text and "=Created" in text and "−Passive" in text
        # and on screen, not collapsed to nothing: a title, a header, a rule and a row a company
        assert app.screen.query_one("#components-box").size.height >= 3 + len(tutorial.companies)
        for r in s.result().standings:
            assert f"{r.value_created_musd / 1000:,.1f}" in text and f"{r.score:.2f}×" in text
