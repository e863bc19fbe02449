"""A company's usable capacity (game/engine/compute.py) is kept from quarter to quarter while its
fleet is unchanged: these tests check the kept figures against a count from the raw sites, quarter
after quarter of a real game in which sites come online and chips are installed."""

from __future__ import annotations

import pytest

from game.engine.compute import Capacity
from game.engine.turn import Game
from game.model.state import ONLINE
from game.runner import agent_orders, seat_agents


def _from_sites(g, c) -> tuple[dict[str, float], dict[int, float], float]:
    """Usable H100e by region and by release quarter, and installed H100e, summed site by site."""
    spec = g.spec
    by_region: dict[str, float] = {}
    by_release: dict[int, float] = {}
    installed = 0.0
    for s in c.sites:
        if s.stage != ONLINE or not s.installed:
            continue
        heat = 0.0 if spec.cooling[s.cooling].hosts_liquid_only else g.mod("outage_fraction", s.region, 0.0)  # heat waves hit air only
        up = 1.0 - min(1.0, heat + spec.cooling[s.cooling].outage_fraction)
        for gid, n in s.installed.items():
            h = spec.generations[gid].performance_h100e * n
            installed += h
            by_region[s.region] = by_region.get(s.region, 0.0) + h * up
            rel = g.release_quarter(gid)
            by_release[rel] = by_release.get(rel, 0.0) + h * up
    return by_region, by_release, installed


def test_kept_capacity_matches_the_sites_every_quarter_as_fleets_change(baseline):
    game = Game(baseline, 5)
    agents = seat_agents(baseline, 5)
    g = game.core
    seen_change = seen_reuse = False
    last: dict[str, object] = {}
    while not game.finished:
        for c in g.alive():
            cap = Capacity(g, c, {})
            by_region, by_release, installed = _from_sites(g, c)
            assert cap.total == pytest.approx(by_region, rel=1e-12, abs=1e-9)
            assert cap.installed == pytest.approx(installed, rel=1e-12, abs=1e-9)
            assert cap.usable == pytest.approx(sum(by_region.values()), rel=1e-12, abs=1e-9)
            for min_release in sorted(by_release) + [g.q + 100]:
                qualifying = sum(x for rel, x in by_release.items() if rel >= min_release)
                assert cap.free_for(min_release) == pytest.approx(qualifying, rel=1e-12, abs=1e-9)
            if c.id in last:
                seen_reuse |= cap.fig is last[c.id]
                seen_change |= cap.fig is not last[c.id]
            last[c.id] = cap.fig
        game.step(agent_orders(game, agents))
    # the game exercised both paths: figures kept over a quiet quarter and rebuilt after a change
    assert seen_reuse and seen_change


def test_taking_capacity_in_one_quarter_leaves_the_next_quarters_figures_whole(baseline):
    game = Game(baseline, 1)
    g = game.core
    c = g.alive()[0]
    first = Capacity(g, c, {})
    assert first.usable > 0
    took = first.take(first.usable / 2, list(first.total))
    assert took == pytest.approx(first.usable / 2)
    again = Capacity(g, c, {})
    assert again.fig is first.fig  # same fleet, same outages: the figures are kept
    assert again.taken_total == 0.0 and not any(again.taken.values()) and again.busy == 0.0
    assert again.free_for(-(10**6)) == pytest.approx(again.usable)

