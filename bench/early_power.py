"""Experiment: does securing power early pay? The same agent at the same seat over the same
seeds, once bidding for power from the first quarter and once only from a later quarter.

Prints mean score, mean rank and mean online MW for both (the seed's claim that "companies that
secure power early hold an advantage for 3-5 years"; tests/test_seed_claims.py checks it).

    python bench/early_power.py [--scenario baseline] [--seat corecell] [--from-quarter 8] [--seeds 8]
"""

from __future__ import annotations

import argparse
import statistics

from game.runner import play, seat_agents
from game.scenario import load_scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--seat", default="corecell")
    ap.add_argument("--from-quarter", type=int, default=8)
    ap.add_argument("--seeds", type=int, default=8)
    args = ap.parse_args()
    spec = load_scenario(args.scenario)
    agent = spec.companies[args.seat].agent
    rows = {}
    for label, variant in (("early", agent), (f"from q{args.from_quarter}", f"{agent}:power_from_quarter={args.from_quarter}")):
        out = []
        for seed in range(args.seeds):
            _, result = play(spec, seed, seat_agents(spec, seed, {args.seat: variant}))
            r = next(r for r in result.standings if r.id == args.seat)
            out.append((r.score, r.rank, r.online_mw))
        rows[label] = out
    print(f"{args.scenario}, seat {args.seat} ({agent}), {args.seeds} seeds")
    for label, out in rows.items():
        score, rank, mw = (statistics.mean(x[i] for x in out) for i in range(3))
        print(f"  power {label:<8} mean score {score:5.2f}  mean rank {rank:4.2f}  online MW {mw:7,.0f}")


if __name__ == "__main__":
    main()
