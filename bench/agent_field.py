"""The strategy library against a mixed field: many games, each seat drawn from the agents of its archetype.

Scheme: game g is played with seed BASE+g. For each archetype the agents that can play it
(its own theses, its steady default and the random agent) are put in an order drawn from
numpy's default_rng(SeedSequence([BASE, g])); that archetype's seats, in the scenario's
company order, take the agents in that order (wrapping round if there are more seats than
agents). So every game is a field of distinct agents per archetype, each agent plays about
seats ÷ pool size of the games, and the whole run is reproducible from BASE.

Prints, per agent: seats played (one per game it was in; the random agent can hold a seat of each archetype in one game), mean score (± standard error), bankruptcy rate, mean rank
among all companies, its mean rank among its own archetype's seats, and how many of its
orders the engine rejected in all (the built-in agents should have none).

    python bench/agent_field.py [--games 50] [--scenario baseline] [--seed 0] [--no-random] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time

import numpy as np

from game.agents import REGISTRY, agents_for
from game.runner import play, seat_agents
from game.scenario import load_scenario


def field(spec, game_index: int, base_seed: int, include_random: bool) -> dict[str, str]:
    """Each company's agent for one game, by the scheme in the module docstring."""
    rng = np.random.default_rng(np.random.SeedSequence([base_seed, game_index]))
    seats: dict[str, str] = {}
    for archetype in sorted({cs.archetype for cs in spec.companies.values()}):
        pool = [n for n in agents_for(archetype) if include_random or n != "random"]
        order = [pool[i] for i in rng.permutation(len(pool))]
        cids = [cid for cid, cs in spec.companies.items() if cs.archetype == archetype]
        for i, cid in enumerate(cids):
            seats[cid] = order[i % len(order)]
    return seats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, default=50)
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--seed", type=int, default=0, help="BASE: game g uses seed BASE+g")
    ap.add_argument("--no-random", action="store_true", help="leave the random agent out of the field")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    spec = load_scenario(args.scenario)
    rows: dict[str, list[tuple[float, bool, int, int, int]]] = {}
    t0 = time.perf_counter()
    for g in range(args.games):
        seed = args.seed + g
        seats = field(spec, g, args.seed, not args.no_random)
        game, result = play(spec, seed, seat_agents(spec, seed, seats))
        by_archetype: dict[str, list] = {}
        for s in result.standings:  # standings are in rank order
            by_archetype.setdefault(s.archetype, []).append(s.id)
        for s in result.standings:
            refused = sum(len(reps[s.id].rejected) for reps in game.private_reports if s.id in reps)
            rows.setdefault(seats[s.id], []).append((s.score, s.bankrupt, s.rank, by_archetype[s.archetype].index(s.id) + 1, refused))
    elapsed = time.perf_counter() - t0
    table = []
    for name, rs in sorted(rows.items(), key=lambda kv: -statistics.fmean(r[0] for r in kv[1])):
        scores = [r[0] for r in rs]
        se = statistics.stdev(scores) / math.sqrt(len(scores)) if len(scores) > 1 else 0.0
        table.append(
            dict(
                agent=name,
                archetype=REGISTRY[name].archetype,
                seats=len(rs),
                mean_score=statistics.fmean(scores),
                stderr=se,
                bankruptcy_rate=statistics.fmean(float(r[1]) for r in rs),
                mean_rank=statistics.fmean(r[2] for r in rs),
                mean_rank_in_archetype=statistics.fmean(r[3] for r in rs),
                rejected_orders=sum(r[4] for r in rs),
            )
        )
    if args.json:
        print(json.dumps({"scenario": args.scenario, "games": args.games, "base_seed": args.seed, "agents": table}, indent=1))
        return
    print(f"{args.games} {args.scenario} games, seeds {args.seed}..{args.seed + args.games - 1}, mixed field ({elapsed:.1f} s)\n")
    print(f"{'agent':<18} {'archetype':<12} {'seats':>5} {'mean score':>11} {'± s.e.':>7} {'bankrupt':>9} {'rank':>5} {'rank in type':>13} {'rejected':>9}")
    for r in table:
        print(
            f"{r['agent']:<18} {r['archetype']:<12} {r['seats']:>5} {r['mean_score']:>10.2f}× {r['stderr']:>7.2f}"
            f" {r['bankruptcy_rate']:>9.0%} {r['mean_rank']:>5.2f} {r['mean_rank_in_archetype']:>13.2f} {r['rejected_orders']:>9}"
        )


if __name__ == "__main__":
    main()
