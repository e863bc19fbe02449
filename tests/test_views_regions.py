"""The regions' capex figures and levers in the views are the ones the build phase and the markets use."""

from __future__ import annotations

from game.engine import Game
from game.engine.build import facility_capex_per_grid_mw
from game.engine.levers import Levers


def _capex_shown_each_quarter(spec, seed: int, quarters: int) -> list[dict]:
    game = Game(spec, seed)
    shown = []
    for _ in range(quarters):
        v = game.view(game.companies[0])
        g = game.core
        # what the phase that builds sites charges, rounded to the view's four places
        assert {r.id: r.capex_musd_per_mw for r in v.regions} == {
            rid: {kind: round(facility_capex_per_grid_mw(g, kind, rid), 4) for kind in spec.cooling} for rid in spec.regions
        }
        shown.append({r.id: dict(r.capex_musd_per_mw) for r in v.regions})
        game.step({})
    return shown


def test_each_quarters_capex_is_the_build_phases_in_a_first_second_and_other_scenarios_game(tutorial, baseline):
    first = _capex_shown_each_quarter(tutorial, 1, 4)
    assert first[0] != first[3]  # capex escalates: a figure kept from another quarter would show
    assert _capex_shown_each_quarter(tutorial, 2, 4) == first
    _capex_shown_each_quarter(baseline, 1, 3)
    assert _capex_shown_each_quarter(tutorial, 3, 4) == first


def test_region_views_show_the_levers_events_move_and_leave_the_rest_alone(tutorial):
    game = Game(tutorial, 1)
    g = game.core
    cid = game.companies[0]
    before = {r.id: r for r in game.view(cid).regions}
    g.set_levers(
        Levers(
        {
            ("power_price_multiplier", "pjm"): 1.5,
            ("moratorium", "ercot"): 1.0,
            ("queue_wait_add_quarters", ""): 2.0,
            ("crews_multiplier", ""): 0.5,
            ("export_restricted", "nordics"): 1.0,
        }
        )
    )
    game.observer.invalidate()
    after = {r.id: r for r in game.view(cid).regions}
    assert set(after) == {"pjm", "ercot", "nordics"}
    for rid, r in after.items():
        b = before[rid]
        assert r.power_price_usd_per_mwh == b.power_price_usd_per_mwh * (1.5 if rid == "pjm" else 1.0)
        assert (r.moratorium, r.grid_release_mw) == ((True, 0.0) if rid == "ercot" else (False, b.grid_release_mw))
        assert (r.queue_wait_quarters_min, r.queue_wait_quarters_max) == (b.queue_wait_quarters_min + 2, b.queue_wait_quarters_max + 2)
        assert r.crews_pool == b.crews_pool * 0.5
        assert r.export_restricted == (rid == "nordics" or b.export_restricted)
    assert not any(b.moratorium for b in before.values())
