"""Benchmark: what a bot process costs per quarter, over the same game played in process.

Plays baseline games with every seat run by examples/bots/steady.py (a process each) and
prints the median milliseconds per game and per bot-quarter round trip (view out, orders in,
including the bot's own thinking), beside the same games with the built-in agents.

    python bench/bot_round_trip.py [--scenario baseline] [--runs 5]
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

from game.agents.external import configure_bots
from game.runner import play, seat_agents
from game.scenario import load_scenario

STEADY = Path(__file__).resolve().parents[1] / "examples" / "bots" / "steady.py"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    spec = load_scenario(args.scenario)
    seat = f"cmd:{shlex.quote(sys.executable)} {shlex.quote(str(STEADY))}"
    with tempfile.TemporaryDirectory() as logs:

        def bots(seed: int) -> int:
            agents = seat_agents(spec, seed, {cid: seat for cid in spec.companies})
            configure_bots(agents, log_dir=logs)
            game, _ = play(spec, seed, agents)
            return sum(len(q) for q in game.private_reports)  # company-quarters played

        def built_in(seed: int) -> int:
            game, _ = play(spec, seed, seat_agents(spec, seed))
            return 0

        rows = {}
        for label, fn in (("built-in agents", built_in), ("steady.py bots", bots)):
            times, turns = [], 0
            for seed in range(args.runs):
                t = time.perf_counter()
                turns = fn(seed) or turns
                times.append((time.perf_counter() - t) * 1000)
            rows[label] = (statistics.median(times), turns)
    base = rows["built-in agents"][0]
    ms, turns = rows["steady.py bots"]
    print(f"{args.scenario}, {len(spec.companies)} seats, median of {args.runs} games")
    print(f"  built-in agents       {base:8.0f} ms per game")
    print(f"  steady.py bots        {ms:8.0f} ms per game (process start-up included)")
    print(f"  per bot-quarter       {(ms - base) / max(turns, 1):8.2f} ms more than in process ({turns} bot-quarters per game)")


if __name__ == "__main__":
    main()
