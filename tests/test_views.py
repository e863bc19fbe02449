"""The observer's views: the cached parts show what a fresh build would."""

from __future__ import annotations

import pytest
from game.engine.observe import Observer
from game.engine.turn import Game
from game.runner import agent_orders, seat_agents


@pytest.mark.parametrize("seed", [0, 1])
def test_cached_site_and_power_views_match_a_fresh_build(baseline, seed):
    """Random agents retrofit, sell and buy sites: every quarter, each company's sites and power
    sources as shown equal those an observer with empty caches builds."""
    game = Game(baseline, seed)
    agents = seat_agents(baseline, seed, {cid: "random" for cid in baseline.companies})
    g = game.core
    checked = 0
    while not game.finished:
        shown = {cid: game.view(cid) for cid in game.companies if game.alive(cid)}
        kept = g.derived.site_views, g.derived.power_views
        g.derived.site_views, g.derived.power_views = {}, {}
        fresh = Observer(g)
        for cid, v in shown.items():
            f = fresh.view(cid, v.last_public, v.last_private)
            assert v.me.sites == f.me.sites, (g.q, cid)
            assert v.me.power == f.me.power, (g.q, cid)
            assert v == f, (g.q, cid)
            checked += len(v.me.sites)
        g.derived.site_views, g.derived.power_views = kept
        game.step(agent_orders(game, agents))
    assert checked > 0
