"""Experiment: do the baseline's economics hold up? Paired seeded games, every figure with a 95 % interval.

Not a timed test: it plays N games per experiment (default 300) on every core, through the same
lab runner as `gridlock facts` and `gridlock balance`, and reads every figure through
game/measures.py. Game i of every experiment has the same seed (common random numbers), so
each experiment is a paired comparison against the same baseline games.

    PYTHONPATH=. python bench/economics.py [--games 300] [--parity-games 3600] [--workers 2] [--seed 0]
                                           [--agent NAME=SPEC ...]

Experiments (the issue "The game: decisions decide the outcome" lists the targets):
  idle / random   game i puts `idle` (then `random`) at company i mod 6 of the baseline: its
                  rank, P(last), and its score gap to the seat's own agent on the same seed;
  overpay         fortress at aurora, then the same with its power bid markup and price cap x5:
                  the extra power spend and the equity it cost (target: loss >= half the spend);
                  both with no cap on one company's share of a release (interconnect_share_max
                  = 1), so that the overpaying bid sets the price it pays: the score's charge
                  for waste is measured, not the auction's protection against it;
  parity          the built-in agents of each archetype (random included, idle not) drawn at
                  random into the seats (--agent fortress=fortress:power_bid_markup=1.75 plays
                  that spec wherever fortress is drawn: how one agent's habits move the field):
                  P(hyperscaler outranks a neo-cloud of the same game) (target 35-65 %),
                  P(a neo-cloud finishes first) (30-60 %), win rates (target: none above 40 %);
                  12x the games of the others by default, since an agent plays about half of
                  them and a win rate from 300 games is good to +/- 8 points, from 3,600 to
                  +/- 2.3;
  chips           bids / supply over 2026-2028, and H100e online at the end with every
                  merchant vendor's packaging and HBM halved (target: lower);
  utilisation     neo-cloud / hyperscaler (target 1.1-1.3 as an outcome);
  PJM             quarters from securing power to online (target 12-20);
  inference share first and last year (target ~55 % -> 70-80 %);
  squeeze         neo-cloud distress in neocloud-squeeze minus baseline (target: above 0);
  price vs cost   2031 clearing price / cost of serving an H100e-hour, and the final price index.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from statistics import NormalDist

import numpy as np

from game.agents import REGISTRY
from game.measures import HYPERSCALER, NEOCLOUD
from game.scenario import load_scenario
from game.tournament.lab import LabJob, play_many
from game.tournament.progress import progress_for
from game.tournament.schedule import SeatPlan, game_seed
from game.tournament.stats import bootstrap_mean_ci, wilson_interval

BASE = "baseline"
WANTED = (
    ("utilisation_ratio", ""), ("power_to_online_quarters", "pjm"), ("inference_share_first_year", ""),
    ("inference_share_last_year", ""), ("chip_bids_to_supply", ""), ("chip_binding_share", ""),
    ("price_to_cost_last_year", ""), ("h100e_online_end", ""), ("neocloud_distress", ""),
    ("hyperscaler_beats_neocloud", ""), ("neocloud_first", ""), ("demand_served_share", ""),
)
OVERPAY_FACTOR = 5.0


def mean_ci(xs) -> str:
    xs = [float(x) for x in xs if x is not None and np.isfinite(x)]
    if not xs:
        return "no value (n=0)"
    lo, hi = bootstrap_mean_ci(xs)
    return f"{np.mean(xs):.3f} [{lo:.3f}, {hi:.3f}] (n={len(xs)})"


def share_ci(hits: int, n: int) -> str:
    lo, hi = wilson_interval(hits, n)
    return f"{hits / n:.1%} [{lo:.1%}, {hi:.1%}] (n={n})" if n else "no value (n=0)"


def measure(records, key):
    """Per game (by index) the measure, skipping games where it is undefined; the 'not reported'
    text if the engine lacks a field."""
    out, missing = {}, None
    for r in records:
        v = r.get("measures", {}).get(key)
        if isinstance(v, str):
            missing = v
        elif v is not None:
            out[r["idx"]] = float(v)
    return out, missing


def row(label: str, value: str) -> None:
    print(f"  {label:<52} {value}")


def show(label: str, records, key: str) -> None:
    vals, missing = measure(records, key)
    row(label, mean_ci(list(vals.values())) if vals else (missing or "no value (n=0)"))


def paired(a: dict, b: dict) -> list[float]:
    return [a[i] - b[i] for i in a if i in b]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, default=300, help="games per experiment (default 300)")
    ap.add_argument("--parity-games", type=int, default=None, help="games of the parity experiment (default 12 x --games)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--agent", action="append", default=[], metavar="NAME=SPEC", help="in the parity experiment, play SPEC (an agent spec, e.g. fortress:power_bid_markup=1.75) wherever agent NAME is drawn; repeatable")
    args = ap.parse_args()
    swap = {}
    for text in args.agent:
        name, sep, agent_spec = text.partition("=")
        if not sep or name not in REGISTRY or not agent_spec:
            ap.error(f"--agent {text!r}: want NAME=SPEC with NAME one of {', '.join(sorted(REGISTRY))}")
        swap[name] = agent_spec
    n, workers = args.games, args.workers
    spec = load_scenario(BASE)
    companies = list(spec.companies)
    seeds = [game_seed(args.seed, i) for i in range(n)]
    t0 = time.perf_counter()

    def run(label, tasks, scenario=BASE, overrides=(), figures=False):
        job = LabJob(scenario, tuple(overrides), WANTED, figures=figures)
        out = play_many(job, tasks, workers, progress_for(sys.stderr, label))
        bad = [r for r in out if "error" in r]
        if bad:
            print(f"  ({label}: {len(bad)} games raised, e.g. {bad[0]['error']})")
        return [r for r in out if "error" not in r]

    base = run("baseline", [(i, seeds[i], {}) for i in range(n)])
    seat_of = {i: companies[i % len(companies)] for i in range(n)}
    idle = run("idle seat", [(i, seeds[i], {seat_of[i]: "idle"}) for i in range(n)])
    rnd = run("random seat", [(i, seeds[i], {seat_of[i]: "random"}) for i in range(n)])
    uncapped = ("rules.interconnect_share_max=1",)  # the overpaying bid sets its own price (see the docstring)
    fort = run("fortress", [(i, seeds[i], {"aurora": "fortress"}) for i in range(n)], overrides=uncapped, figures=True)
    info = REGISTRY["fortress"].factory
    markup = f"fortress:power_bid_markup={info.power_bid_markup * OVERPAY_FACTOR:g},max_power_price_musd_per_mw={info.max_power_price_musd_per_mw * OVERPAY_FACTOR:g}"
    over = run("fortress overpaying", [(i, seeds[i], {"aurora": markup}) for i in range(n)], overrides=uncapped, figures=True)
    field = sorted(a for a, x in REGISTRY.items() if a != "idle" and any(x.plays(c.archetype) for c in spec.companies.values()))
    plan = SeatPlan(spec, field, "random", args.seed)
    parity_n = args.parity_games if args.parity_games is not None else 12 * n
    parity = run("parity (random seating)", [(i, game_seed(args.seed, i), {cid: swap.get(a, a) for cid, a in plan.seats(i).items()}) for i in range(parity_n)])
    halved = [f"vendors.{v}.{k}={getattr(x, k) / 2:g}" for v, x in spec.vendors.items() if not x.custom for k in ("packaging_units_per_quarter", "hbm_units_per_quarter")]
    half = run("chip supply halved", [(i, seeds[i], {}) for i in range(n)], overrides=halved)
    squeeze = run("neocloud-squeeze", [(i, seeds[i], {}) for i in range(n)], scenario="neocloud-squeeze")
    seconds = time.perf_counter() - t0

    print(f"\nbench/economics.py: baseline, {n} paired games per experiment ({parity_n} for parity), seed {args.seed}, {workers} workers, {seconds:.0f}s\n")
    by_idx = {r["idx"]: r for r in base}

    def seat_row(r, cid):
        return next(s for s in r["standings"] if s["company"] == cid)

    for label, rows in (("idle", idle), ("random", rnd)):
        ranks, gaps, arch_last = [], [], {HYPERSCALER: [0, 0], NEOCLOUD: [0, 0]}
        k = len(companies)
        for r in rows:
            cid = seat_of[r["idx"]]
            me = seat_row(r, cid)
            ranks.append(me["rank"])
            arch_last[me["archetype"]][0] += me["rank"] == k
            arch_last[me["archetype"]][1] += 1
            if r["idx"] in by_idx:
                gaps.append(seat_row(by_idx[r["idx"]], cid)["score"] - me["score"])
        print(f"{label} seat (company i mod {k}, everything else as in baseline)")
        row(f"mean rank of {k}", mean_ci(ranks))
        row("finishes last", share_ci(sum(x == k for x in ranks), len(ranks)))
        row("finishes first", share_ci(sum(x == 1 for x in ranks), len(ranks)))
        for arch, (last, m) in arch_last.items():
            row(f"finishes last, {arch} seats", share_ci(last, m))
        row(f"score gap: seat's own agent − {label}", mean_ci(gaps))
        print()

    print(f"overpay: fortress at aurora with power bid markup and price cap x{OVERPAY_FACTOR:g} ({markup}), no cap on its share of a release")
    fort_by = {r["idx"]: r for r in fort}
    extra, lost, created_lost = [], [], []  # the score's loss in $: value created is score − 1 times capital
    overpaid = []  # the extra spend less what its extra MW would have cost at the plain game's mean price
    for r in over:
        b = fort_by.get(r["idx"])
        if b is None:
            continue
        spend = lambda x: -sum(x["companies"]["aurora"]["pnl"].get(c, 0.0) for c in ("capex_power", "power", "asset_purchase"))  # noqa: E731
        extra.append(spend(r) - spend(b))
        mw_plain, mw_dear = seat_row(b, "aurora")["power_mw_held"], seat_row(r, "aurora")["power_mw_held"]
        overpaid.append(spend(r) - spend(b) * (mw_dear / mw_plain) if mw_plain > 0 else spend(r) - spend(b))
        lost.append(seat_row(b, "aurora")["equity_value_musd"] - seat_row(r, "aurora")["equity_value_musd"])
        created_lost.append(seat_row(b, "aurora")["value_created_musd"] - seat_row(r, "aurora")["value_created_musd"])
    row("extra power spend ($M)", mean_ci(extra))
    row("book equity lost ($M), for reference", mean_ci(lost))
    row("score lost, in $M of value created", mean_ci(created_lost))
    ratio = [lo / ex for lo, ex in zip(created_lost, extra) if ex > 1.0]
    row("score lost ($M) ÷ extra spend (games that spent more)", mean_ci(ratio) + "  (the extra MW it won may pay)")
    row("  of it, paid above the plain game's price per MW ($M)", mean_ci(overpaid))
    ratio = [lo / ex for lo, ex in zip(created_lost, overpaid) if ex > 1.0]
    row("score lost ($M) ÷ that overpayment", f"{mean_ci(ratio)}  target ≥ 0.5")
    row("score change", mean_ci([seat_row(r, "aurora")["score"] - seat_row(fort_by[r["idx"]], "aurora")["score"] for r in over if r["idx"] in fort_by]))
    print()

    print(f"parity: agents drawn at random into their archetype's seats ({', '.join(field)})" + "".join(f"; {name} plays {agent_spec}" for name, agent_spec in swap.items()))
    show("P(hyperscaler outranks a neo-cloud, same game)", parity, "hyperscaler_beats_neocloud")
    show("P(a neo-cloud finishes first)", parity, "neocloud_first")
    print("  win rate against the full field (plays; 1/k = {:.1%}; target: none above 40%)".format(1 / len(companies)))
    plays: dict[str, list[int]] = {}
    for r in parity:
        for s in r["standings"]:
            plays.setdefault(f"{s['archetype'][:5]} {s['agent']}", []).append(s["rank"] == 1)
    for who, wins in sorted(plays.items()):
        row(f"  {who}", share_ci(sum(wins), len(wins)))
    print()

    print("chips")
    show("bids ÷ supply, 2026-2028", base, "chip_bids_to_supply")
    show("share of generation-quarters where bids ≥ supply", base, "chip_binding_share")
    b_on, _ = measure(base, "h100e_online_end")
    h_on, _ = measure(half, "h100e_online_end")
    row("H100e online at the end, baseline", mean_ci(list(b_on.values())))
    row(f"... merchant supply halved ({len(halved)} overrides)", mean_ci(list(h_on.values())))
    row("change with supply halved (paired)", f"{mean_ci(paired(h_on, b_on))}  target < 0")
    print()
    print("utilisation, power, spend and price (baseline's own agents)")
    show("utilisation neo-cloud ÷ hyperscaler", base, "utilisation_ratio")
    show("power secured → online in PJM (quarters)", base, "power_to_online_quarters:pjm")
    show("inference share of realised spend, first year", base, "inference_share_first_year")
    show("inference share of realised spend, last year", base, "inference_share_last_year")
    show("demand served ÷ demand, last year", base, "demand_served_share")
    show("2031 price ÷ cost of serving an H100e-hour", base, "price_to_cost_last_year")
    row("final price index", mean_ci([r["price_index"] for r in base]))
    print()
    print("neocloud-squeeze vs baseline (same seeds)")
    s_d, _ = measure(squeeze, "neocloud_distress")
    b_d, _ = measure(base, "neocloud_distress")
    row("neo-cloud distress, baseline", mean_ci(list(b_d.values())))
    row("neo-cloud distress, neocloud-squeeze", mean_ci(list(s_d.values())))
    row("change (paired)", f"{mean_ci(paired(s_d, b_d))}  target > 0")
    print(f"\n95% intervals: percentile bootstrap of the mean (z = {NormalDist().inv_cdf(0.975):.2f} for Wilson shares)")


if __name__ == "__main__":
    main()
