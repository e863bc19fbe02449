"""The regions' capex figures in the views, kept from one game to the next of the same scenario."""

from __future__ import annotations

from game.engine import Game
from game.engine.build import facility_capex


def _capex_shown_each_quarter(spec, seed: int, quarters: int) -> list[dict]:
    game = Game(spec, seed)
    shown = []
    for _ in range(quarters):
        v = game.view(game.companies[0])
        g = game.core
        # what the phase that builds sites charges, rounded to the view's four places
        assert {r.id: r.capex_musd_per_mw for r in v.regions} == {
            rid: {kind: round(facility_capex(g, kind, rid), 4) for kind in spec.cooling} for rid in spec.regions
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


def test_a_view_written_to_does_not_change_the_next_games_views(tutorial):
    game = Game(tutorial, 1)
    v = game.view(game.companies[0])
    shown = {r.id: dict(r.capex_musd_per_mw) for r in v.regions}
    for r in v.regions:
        for kind in r.capex_musd_per_mw:
            r.capex_musd_per_mw[kind] = -1.0
    again = Game(tutorial, 2).view(game.companies[0])
    assert {r.id: r.capex_musd_per_mw for r in again.regions} == shown
