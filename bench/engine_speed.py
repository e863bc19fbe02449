"""Benchmark: milliseconds per baseline game with the built-in agents, in one process.

Prints the median over several runs (each run plays a batch of seeded games), and where the
time goes: the engine alone (replaying recorded order logs), plus building every company's
view, plus the agents deciding; and the engine's time phase by phase (news, each market,
build, operate, finance, the report; "orders" is checking them and the rest of step). Target on the 2-core development machine: at most 40 ms per
game.

Times are this process's CPU time (time.process_time), so other work on a shared machine does
not count towards them (it still slows them a little, through the caches); --wall measures
elapsed time instead.

    python bench/engine_speed.py [--scenario baseline] [--games 10] [--runs 15] [--wall]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

from game.engine import Game, turn
from game.runner import play, seat_agents
from game.scenario import load_scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--games", type=int, default=10, help="games per run")
    ap.add_argument("--runs", type=int, default=15, help="runs per measure; the median is printed (this VM's speed drifts by 10%% and more between runs, so a few are not enough)")
    ap.add_argument("--wall", action="store_true", help="elapsed time rather than this process's CPU time")
    args = ap.parse_args()
    clock = time.perf_counter if args.wall else time.process_time
    spec = load_scenario(args.scenario)
    play(spec, 10**6, seat_agents(spec, 10**6))  # warm-up: imports, caches
    seeds = range(args.games)
    logs = {seed: play(spec, seed, seat_agents(spec, seed))[0].order_log for seed in seeds}

    def full() -> None:
        for seed in seeds:
            play(spec, seed, seat_agents(spec, seed))

    def engine_only() -> None:
        for seed in seeds:
            game = Game(spec, seed)
            for orders in logs[seed]:
                game.step(orders)

    def engine_and_views() -> None:
        for seed in seeds:
            game = Game(spec, seed)
            for orders in logs[seed]:
                for cid in game.companies:
                    if game.alive(cid):
                        game.view(cid)
                game.step(orders)

    spent: dict[str, float] = defaultdict(float)  # seconds per phase, this run

    def clocked(name: str, fn):
        def run(*args):
            t0 = clock()
            fn(*args)
            spent[name] += clock() - t0

        return run

    class ClockedGame(Game):
        def _begin_quarter(self) -> None:
            clocked("news", super()._begin_quarter)()

        def _close_quarter(self) -> None:
            clocked("report", super()._close_quarter)()

    def by_phase() -> dict[str, float]:
        """ms per game in each phase of the engine (replaying the logs), median over the runs."""
        runs = []
        phases, turn.PHASES = turn.PHASES, tuple((name, clocked(name, fn)) for name, fn in turn.PHASES)
        try:
            for _ in range(args.runs):
                spent.clear()
                t0 = clock()
                for seed in seeds:
                    game = ClockedGame(spec, seed)
                    for orders in logs[seed]:
                        game.step(orders)
                total = clock() - t0
                spent["orders"] = total - sum(spent.values())  # checking them, and the rest of step
                runs.append({k: v * 1000 / args.games for k, v in spent.items()})
        finally:
            turn.PHASES = phases
        return {k: statistics.median(r[k] for r in runs) for k in runs[0]}

    def timed(fn) -> list[float]:
        out = []
        for _ in range(args.runs):
            t0 = clock()
            fn()
            out.append((clock() - t0) * 1000 / args.games)
        return out

    per_game = timed(full)
    print(f"scenario={args.scenario} games/run={args.games} runs={args.runs}")
    print(f"ms per game: median {statistics.median(per_game):.1f}  (runs: {', '.join(f'{x:.1f}' for x in per_game)})")
    engine = statistics.median(timed(engine_only))
    views = statistics.median(timed(engine_and_views))
    print(f"  of which: engine {engine:.1f} ms, views +{views - engine:.1f} ms, agents +{statistics.median(per_game) - views:.1f} ms (medians)")
    phases = sorted(by_phase().items(), key=lambda kv: -kv[1])
    print("  engine by phase (ms): " + ", ".join(f"{name} {ms:.1f}" for name, ms in phases))


if __name__ == "__main__":
    main()
