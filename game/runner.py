"""Play a whole headless game: seat agents, loop quarters, collect the result."""

from __future__ import annotations

import traceback
from typing import Mapping

from .agents import make_agent
from .agents.base import REGISTRY, Agent
from .engine import Game
from .engine.rng import agent_seed
from .engine.scoring import GameResult
from .scenario import Scenario


def seat_agents(spec: Scenario, seed: int, seats: Mapping[str, str] | None = None) -> dict[str, Agent]:
    """Each company gets the agent named for its seat, else its scenario default."""
    seats = dict(seats or {})
    unknown = sorted(set(seats) - set(spec.companies))
    if unknown:
        raise ValueError(f"no company {', '.join(map(repr, unknown))} in this scenario; companies: {', '.join(spec.companies)}")
    out = {}
    for i, (cid, cs) in enumerate(spec.companies.items()):
        if cid not in seats and cs.agent.startswith("cmd:"):  # a file must not run programs; a person may
            raise ValueError(f"company {cid!r}: a scenario cannot seat a bot process ({cs.agent!r}); seat it with --seat {cid}=…")
        name = seats.get(cid, cs.agent)
        info = REGISTRY.get(name.partition(":")[0].strip())
        if info is not None and not info.plays(cs.archetype):  # a built-in plays one archetype's moves
            fits = sorted(n for n, x in REGISTRY.items() if x.plays(cs.archetype))
            raise ValueError(f"company {cid!r} is a {cs.archetype}; agent {info.name!r} plays a {info.archetype}. Agents for a {cs.archetype}: {', '.join(fits)}")
        out[cid] = make_agent(name, agent_seed(seed, i))
    return out


def play(spec: Scenario, seed: int, agents: Mapping[str, Agent], game: Game | None = None, max_quarters: int | None = None) -> tuple[Game, GameResult]:
    """Run to the end (or for max_quarters). An agent that raises loses that quarter's orders; the game goes on.

    Agents may have start(spec, company), called before the first quarter, and close(result),
    called however the game ends (result None if it raised): bot processes live exactly that long."""
    game = game or Game(spec, seed)
    result = None
    try:
        for cid, agent in agents.items():
            if hasattr(agent, "start"):
                agent.start(game.rules(cid), cid)
        _quarters(game, agents, max_quarters)
        result = game.result({cid: a.name for cid, a in agents.items()})
        return game, result
    finally:
        for agent in agents.values():
            if hasattr(agent, "close"):
                agent.close(result)


def _quarters(game: Game, agents: Mapping[str, Agent], max_quarters: int | None) -> None:
    played = 0
    while not game.finished and (max_quarters is None or played < max_quarters):
        played += 1
        game.step(agent_orders(game, agents))


def agent_orders(game: Game, agents: Mapping[str, Agent]) -> dict[str, list]:
    """Each living company's agent decides on its own view. An agent that raises loses that
    quarter's orders, with the reason in its report; the game goes on."""
    orders = {}
    for cid, agent in agents.items():
        if not game.alive(cid):
            continue
        try:
            orders[cid] = agent.decide(game.view(cid))
        except Exception as e:  # an agent's bug must not stop the game
            orders[cid] = []
            game.core.private[cid].rejected.append({"order": "(all)", "reason": f"agent {agent.name} raised {type(e).__name__}: {e}"})
            game.core.say(cid, "".join(traceback.format_exception_only(type(e), e)).strip())
    return orders
