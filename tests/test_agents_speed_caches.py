"""A built-in agent's decision depends on its view alone: what it remembers changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

from game.agents import make_agent
from game.engine import Game
from game.engine.rng import agent_seed
from game.runner import agent_orders, seat_agents
from game.scenario import load_scenario


@pytest.mark.parametrize("scenario, quarters", [("baseline", 9), ("grid-crunch", 14)])
def test_a_seasoned_agent_decides_as_a_fresh_one_would_on_the_same_view(scenario, quarters):
    # A seasoned agent has played these quarters; a fresh one, deciding in the other order with
    # nothing remembered, must give exactly the same orders.
    spec = load_scenario(scenario)
    game = Game(spec, 5)
    agents = seat_agents(spec, 5)
    for _ in range(quarters):
        game.step(agent_orders(game, agents))
    alive = [cid for cid in agents if game.alive(cid)]
    seasoned = {cid: agents[cid].decide(game.view(cid)) for cid in alive}
    fresh_agents = seat_agents(spec, 5)
    fresh = {}
    for cid in reversed(alive):
        fresh[cid] = fresh_agents[cid].decide(game.view(cid))
    assert any(seasoned.values())  # something to compare
    assert seasoned == fresh


def test_an_agent_draws_from_its_seat_seed_whenever_it_first_asks():
    seed = agent_seed(7, 2)
    agent = make_agent("random", seed)
    assert agent.rng.random(3).tolist() == np.random.default_rng(agent_seed(7, 2)).random(3).tolist()
    assert agent.rng is agent.rng  # one generator, not a new one each time


def test_games_played_side_by_side_decide_as_each_would_alone():
    # The quarter's public market reading is made once and reused by every company whose view
    # holds the same public parts; two games stepped in turn (different scenarios, seeds and
    # quarters) must each play exactly as it does alone.
    alone = {}
    for name, seed in (("baseline", 3), ("neocloud-squeeze", 4)):
        spec = load_scenario(name)
        game, agents = Game(spec, seed), seat_agents(spec, seed)
        for _ in range(10):
            game.step(agent_orders(game, agents))
        alone[name] = game.order_log
    games = {name: (Game(load_scenario(name), seed), seat_agents(load_scenario(name), seed)) for name, seed in (("baseline", 3), ("neocloud-squeeze", 4))}
    games["neocloud-squeeze"][0].step(agent_orders(*games["neocloud-squeeze"]))  # a quarter apart
    for _ in range(10):
        for game, agents in games.values():
            if len(game.order_log) < 10:
                game.step(agent_orders(game, agents))
    assert any(alone["baseline"]) and any(alone["neocloud-squeeze"])
    assert {name: game.order_log for name, (game, _) in games.items()} == alone
