"""Benchmark: what the compute market does over seeded games (docs/rules.md, "Compute market").

Plays each scenario's built-in agents over N seeds and prints means with 95% intervals:
- inference spot in the last year: served, priced out and unmet shares of demand;
- the last price index against the cost of serving, and the last spot clearing price;
- utilisation, neo-cloud ÷ hyperscaler (mean over quarters and companies of busy ÷ installed);
- the inference share of realised spend (spot vs market training contracts), first and last year;
- neo-clouds' addressable market (open-market demand plus sub-contracted H100e, per quarter);
- the share of neo-clouds ever in distress or bankrupt;
- milliseconds per game (of this run, on this machine, agents included: not a speed benchmark).

    python bench/compute_market.py [--scenarios baseline neocloud-squeeze] [--seeds 50]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

from game.engine import Game
from game.runner import agent_orders, seat_agents
from game.scenario import load_scenario


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def play_one(spec, seed: int) -> dict[str, float | None]:
    game = Game(spec, seed)
    agents = seat_agents(spec, seed)
    markets, distress, util = [], set(), {cid: [] for cid in spec.companies}
    t = time.perf_counter()
    while not game.finished:
        game.step(agent_orders(game, agents))
        markets.append(game.public_reports[-1].markets["compute"])
        for c in game.core.world.companies.values():
            if c.distress_quarters > 0 or not c.alive:
                distress.add(c.id)
            if c.alive and c.capacity_h100e > 0:
                util[c.id].append(c.used_h100e / c.capacity_h100e)
    ms = (time.perf_counter() - t) * 1000
    arch = {cid: cs.archetype for cid, cs in spec.companies.items()}
    year = markets[-4:]
    demand = sum(m["inference_demand_h100e"] for m in year)

    def util_of(kind: str) -> float:
        return statistics.mean(statistics.mean(u) for cid, u in util.items() if arch[cid] == kind and u)

    def inference_share(ms_: list[dict]) -> float | None:
        spot = sum(m["inference_spend_musd"] for m in ms_)
        return _share(spot, spot + sum(m["training_spend_musd"] for m in ms_))

    neoclouds = [cid for cid in arch if arch[cid] == "neocloud"]
    last = markets[-1]
    return {
        "served share (last year)": _share(sum(m["served_h100e"] for m in year), demand),
        "priced-out share (last year)": _share(sum(m["priced_out_h100e"] for m in year), demand),
        "unmet share (last year)": _share(sum(m["unmet_h100e"] for m in year), demand),
        "price index, last ($/H100e-h)": last["price_index_next"],
        "spot clearing price, last": last["clearing_price_usd_per_h100e_hour"],
        "cost of serving, last": last["cost_of_serving_usd_per_h100e_hour"],
        "index ÷ cost of serving, last": last["price_index_next"] / last["cost_of_serving_usd_per_h100e_hour"],
        "utilisation neo-cloud ÷ hyperscaler": util_of("neocloud") / util_of("hyperscaler"),
        "inference share of spend, first year": inference_share(markets[:4]),
        "inference share of spend, last year": inference_share(year),
        "neo-cloud addressable market (M H100e/qtr)": statistics.mean(
            m["inference_demand_h100e"] + m["training"]["demand_h100e"] + m["internal"]["subcontracted_h100e"] for m in markets
        )
        / 1e6,
        "neo-clouds ever distressed or bankrupt": sum(cid in distress for cid in neoclouds) / len(neoclouds) if neoclouds else None,
        "ms per game (this run)": ms,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", nargs="+", default=["baseline", "neocloud-squeeze"])
    ap.add_argument("--seeds", type=int, default=50)
    args = ap.parse_args()
    runs = {}
    for name in args.scenarios:
        spec = load_scenario(name)
        runs[name] = [play_one(spec, seed) for seed in range(args.seeds)]
    keys = list(next(iter(runs.values()))[0])
    print(f"seeds 0..{args.seeds - 1}; mean ± 95% interval (normal approximation)")
    print(f"{'':44s}" + "".join(f"{name:>26s}" for name in runs))
    for k in keys:
        cells = []
        for rows in runs.values():
            xs = [r[k] for r in rows if r[k] is not None]
            if not xs:
                cells.append(f"{'–':>26s}")
                continue
            m = statistics.mean(xs)
            half = 1.96 * statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else 0.0
            cells.append(f"{m:>17.3f} ± {half:6.3f}")
        print(f"{k:44s}" + "".join(cells))


if __name__ == "__main__":
    main()
