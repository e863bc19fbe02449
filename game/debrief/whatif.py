"""Counterfactuals of a saved game: the same seed with one company's orders changed, the
same orders without one inject or one decision, and reseeded futures from a quarter.

Every branch is a fresh game replayed from the save's seed and order log, so it is exactly
the game the engine would have played: nothing is estimated."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import attrs

from ..agents import REGISTRY, make_agent
from ..engine import Game
from ..engine.rng import agent_seed
from ..scenario import Scenario

IDLE = "do nothing"


def default_agent(spec: Scenario, cid: str) -> str:
    """The agent a company's archetype plays by default (the built-in of the archetype's name,
    else the scenario's own seat if that is a built-in)."""
    cs = spec.companies[cid]
    if cs.archetype in REGISTRY:
        return cs.archetype
    name = cs.agent.partition(":")[0]
    return cs.agent if name in REGISTRY else next(iter(sorted(REGISTRY)))


def replay_with(spec: Scenario, seed: int, orders: Sequence[Mapping[str, Any]], change: Callable[[Game, int, dict], dict] | None = None) -> Game:
    """The game replayed from its log; `change(game, quarter, book)` may alter each quarter's
    orders before they are given (it sees the game as that quarter opens)."""
    game = Game(spec, seed)
    for q, book in enumerate(orders):
        if game.finished:
            break
        book = dict(book)
        if change is not None:
            book = change(game, q, book)
        game.step(book)
    return game


def branch(spec: Scenario, seed: int, orders: Sequence[Mapping[str, Any]], cid: str, from_quarter: int, agent: str | None = None) -> Game:
    """Same seed, same orders for everyone else; from `from_quarter` on, `cid` gives no orders
    (agent None) or its `agent`'s. The agent watches the game from the start, so one that
    remembers the past knows it when it takes over."""
    player = make_agent(agent, agent_seed(seed, list(spec.companies).index(cid))) if agent else None

    def change(game: Game, q: int, book: dict) -> dict:
        decided = None
        if player is not None and game.alive(cid):
            decided = player.decide(game.view(cid))
        if q >= from_quarter:
            book[cid] = list(decided or [])
        return book

    return replay_with(spec, seed, orders, change)


def without_order(spec: Scenario, seed: int, orders: Sequence[Mapping[str, Any]], cid: str, quarter: int, index: int) -> Game:
    """Same seed and orders, less one of `cid`'s orders in `quarter`."""

    def change(game: Game, q: int, book: dict) -> dict:
        if q == quarter and isinstance(book.get(cid), (list, tuple)):
            book[cid] = [x for i, x in enumerate(book[cid]) if i != index]
        return book

    return replay_with(spec, seed, orders, change)


def seated(spec: Scenario, seats: Mapping[str, Any]) -> dict[str, str]:
    """Who plays each seat when agents must play on: the agent that sat there, or for a seat a
    person or a bot played, its archetype's default agent."""
    return {cid: (a if isinstance(a, str) and a.partition(":")[0] in REGISTRY else default_agent(spec, cid)) for cid in spec.companies for a in [seats.get(cid)]}


def play_on(spec: Scenario, seed: int, orders: Sequence[Mapping[str, Any]], start: int, seats: Mapping[str, Any]) -> Game:
    """The game as played up to quarter `start`, then agents in every seat for as many quarters
    as the log has (they watch the past first, so those that remember it know it)."""
    from ..agents.external import in_process
    from ..runner import play, seat_agents
    from ..saves import replay

    agents = in_process(seat_agents(spec, seed, seated(spec, seats)))
    game = replay(spec, seed, list(orders[:start]), agents)
    if not game.finished and len(orders) > start:
        game, _ = play(spec, seed, agents, game, max_quarters=len(orders) - start)
    return game


def without_inject(spec: Scenario, inject_index: int) -> Scenario:
    """The scenario with one scheduled inject taken out (the events' random draws do not
    depend on the injects, so every other draw stays as it was)."""
    return attrs.evolve(spec, injects=tuple(x for i, x in enumerate(spec.injects) if i != inject_index))


def scores(game: Game) -> dict[str, float]:
    return {row.id: float(row.score) for row in game.result().standings}


def futures(game_at: Game, seats: Mapping[str, str], games: int, workers: int, seed: int = 0) -> tuple[dict[str, dict], dict[str, str]]:
    """`games` reseeded continuations of the position `game_at`, played to the scenario's end
    by the tournament's what-if machinery (`gridlock tournament --from`): per company the
    mean and spread of its final score, and who played each seat. Seats a person or a bot played go to the archetype's
    default agent."""
    from ..saves import save_game
    from ..tournament.aggregate import outcomes
    from ..tournament.run import TournamentConfig, run_tournament

    spec = game_at.spec
    agents = seated(spec, seats)
    with tempfile.TemporaryDirectory(prefix="gridlock-debrief-") as tmp:
        save = Path(tmp) / "position.json"
        save_game(game_at, save, agents)
        cfg = TournamentConfig(spec.source or "scenario", (), games=games, seed=seed, from_save=str(save))
        out = run_tournament(cfg, Path(tmp) / "futures.sqlite", workers=workers)
        lines = outcomes(out.db, by="company")
    spread = {
        o.who: {"games": o.games, "mean": round(o.mean_score, 4), "p10": round(o.p10, 4), "median": round(o.median, 4), "p90": round(o.p90, 4), "win_rate": round(o.win_rate, 4), "bankrupt_rate": round(o.bankrupt_rate, 4)}
        for o in lines
    }
    return spread, agents
