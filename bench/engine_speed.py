"""Benchmark: milliseconds per baseline game with the built-in agents, in one process.

Prints the median over several runs (each run plays a batch of seeded games). Target on the
2-core development machine: at most 40 ms per game.

    python bench/engine_speed.py [--scenario baseline] [--games 10] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from game.runner import play, seat_agents
from game.scenario import load_scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--games", type=int, default=10, help="games per run")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    spec = load_scenario(args.scenario)
    play(spec, 10**6, seat_agents(spec, 10**6))  # warm-up: imports, caches
    per_game = []
    for run in range(args.runs):
        t0 = time.perf_counter()
        for i in range(args.games):
            seed = run * args.games + i
            play(spec, seed, seat_agents(spec, seed))
        per_game.append((time.perf_counter() - t0) * 1000 / args.games)
    print(f"scenario={args.scenario} games/run={args.games} runs={args.runs}")
    print(f"ms per game: median {statistics.median(per_game):.1f}  (runs: {', '.join(f'{x:.1f}' for x in per_game)})")


if __name__ == "__main__":
    main()
