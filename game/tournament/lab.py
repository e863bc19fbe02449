"""Play seeded games for the research commands (facts, balance, bench/economics.py) and keep what they measure.

A tournament stores standings; the lab also needs each game's measures (game/measures.py) and
which order kinds each company used, computed in the worker from the finished game so only a
small record crosses the process boundary. Game idx always has seed game_seed(seed, idx), so
two runs over the same seeds (a scenario and its variant, or one seat changed) are paired:
common random numbers, whatever the worker count.
"""

from __future__ import annotations

import traceback
from typing import Any, Iterable, Sequence

from attrs import field, frozen

from .. import measures
from . import TournamentError
from .executors import open_executor
from .run import batches, in_order
from .schedule import game_seed

Task = tuple[int, int, dict[str, str]]  # idx, seed, {company: agent spec} ({}: the scenario's own agents)


@frozen
class LabJob:
    """What every game of a lab run shares; hashable, so each worker prepares it once."""

    scenario: str
    overrides: tuple[str, ...] = field(default=(), converter=tuple)
    wanted: tuple[tuple[str, str], ...] = field(default=(), converter=tuple)  # (measure, region)
    orders: bool = False  # count the order kinds each company gave
    figures: bool = False  # each company's P&L totals and starting equity


_SPECS: dict[tuple, Any] = {}


def _spec(job: LabJob):
    from ..scenario import ScenarioError, load_scenario

    key = (job.scenario, job.overrides)
    if key not in _SPECS:
        _SPECS.clear()
        try:
            _SPECS[key] = load_scenario(job.scenario, job.overrides)
        except ScenarioError as e:
            raise TournamentError("the scenario has problems:\n" + "\n".join(f"  {p}" for p in e.problems)) from None
    return _SPECS[key]


def play_measured(job: LabJob, batch: Sequence[Task]) -> list[dict]:
    """Play each game of the batch and return its record: standings, measures, order kinds."""
    from ..runner import play, seat_agents

    spec = _spec(job)
    out = []
    for idx, seed, seats in batch:
        try:
            game, result = play(spec, seed, seat_agents(spec, seed, seats))
        except Exception as e:  # a game that raises is recorded, not fatal (as in a tournament)
            out.append({"idx": idx, "seed": seed, "seats": seats, "error": "".join(traceback.format_exception_only(type(e), e)).strip()})
            continue
        order = list(spec.companies)
        out.append({
            "idx": idx,
            "seed": seed,
            "seats": {cid: seats.get(cid, spec.companies[cid].agent) for cid in order},
            "standings": [
                {"company": s.id, "seat": order.index(s.id), "archetype": s.archetype, "agent": seats.get(s.id, spec.companies[s.id].agent), "score": float(s.score), "rank": int(s.rank), "bankrupt": bool(s.bankrupt), "equity_value_musd": float(s.equity_value_musd), "value_created_musd": float(s.value_created_musd), "capital_musd": float(s.capital_musd), "power_mw_held": float(s.power_mw_held)}
                for s in result.standings
            ],
            "measures": measures.all_measures(game, job.wanted),
            "orders": measures.order_kinds(game) if job.orders else {},
            "price_index": float(result.price_index),
            "companies": {
                cid: {"pnl": pnl, "starting_equity_musd": float(game.core.world.companies[cid].starting_equity_musd)}
                for cid, pnl in measures.company_pnl(game).items()
            } if job.figures else {},
        })
    return out


def default_tasks(games: int, seed: int) -> list[Task]:
    """Games 0..n-1 with the tournament seed's game seeds and the scenario's own agents."""
    return [(i, game_seed(seed, i), {}) for i in range(games)]


def play_many(job: LabJob, tasks: Iterable[Task], workers: int = 2, progress=None) -> list[dict]:
    """Every task's record, in task order, played on `workers` processes (0: in this one)."""
    if workers < 0:
        raise TournamentError(f"--workers must be 0 or more, got {workers}")
    tasks = list(tasks)
    _spec(job)  # a bad scenario is refused here, not in a worker
    records: list[dict] = []
    with open_executor("process", workers) as (executor, slots):
        if progress is not None:
            progress.start(len(tasks), 0, 0)
        try:
            chunks = ([tasks[i] for i in b] for b in batches(range(len(tasks)), len(tasks), slots))
            for out in in_order(executor, slots, job, chunks, fn=play_measured):
                records.extend(out)
                if progress is not None:
                    progress.advance(len(out), sum(1 for r in out if "error" in r))
        finally:
            if progress is not None:
                progress.finish()
    return records
