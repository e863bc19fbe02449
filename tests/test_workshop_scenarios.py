"""The workshop scenarios: teams that start alike, a half-day length, and injects for the debrief."""

from __future__ import annotations

import attrs

from game.scenario import load_scenario


def test_the_workshop_teams_start_as_the_same_company():
    spec = load_scenario("workshop")
    teams = [c for c in spec.companies.values() if c.archetype == "neocloud"]
    agents = [c for c in spec.companies.values() if c.archetype == "hyperscaler"]
    assert 4 <= len(teams) <= 8 and 1 <= len(agents) <= 2
    first = attrs.evolve(teams[0], name="")
    assert all(attrs.evolve(t, name="") == first for t in teams)  # everything but the name
    assert len({t.name for t in teams}) == len(teams)


def test_both_workshops_last_a_half_day_and_schedule_the_three_injects():
    for name in ("workshop", "workshop-asymmetric"):
        spec = load_scenario(name)
        assert 8 <= spec.game.quarters <= 12
        levers = {k for inj in spec.injects for k in spec.events[inj.event].effects}
        assert {"moratorium", "export_restricted", "demand_multiplier"} <= levers, name
        assert all(spec.events[inj.event].probability_per_quarter == 0 for inj in spec.injects)


def test_the_asymmetric_workshop_sets_hyperscalers_against_neoclouds():
    spec = load_scenario("workshop-asymmetric")
    kinds = [c.archetype for c in spec.companies.values()]
    assert kinds.count("hyperscaler") >= 2 and kinds.count("neocloud") >= 2
