"""Supply-side measures over seeded baseline games: chip scarcity, chip $ per IT MW, PJM lead times.

Prints, over --games seeds (built-in agents in their scenario seats):
  - chip bids ÷ supply per quarter (merchant generations in production, agreements included), and the
    share of 2026-2028 quarters where bids exceed supply;
  - H100e online at the end, and the same with every vendor's packaging and HBM halved;
  - chip $ spent per MW of IT load bought (spot and agreements);
  - quarters from securing power to online, for sites in PJM and elsewhere;
  - accelerators never installed (inventory and undelivered orders at the end, at list price).

    python bench/supply_measures.py [--games 50] [--scenario baseline]
"""

from __future__ import annotations

import argparse
import statistics

from game.runner import play, seat_agents
from game.scenario import load_scenario


def one_game(spec, seed: int) -> dict:
    game, _ = play(spec, seed, seat_agents(spec, seed))
    g = game.core
    ratios, spend, kw = [], 0.0, 0.0
    for pub in game.public_reports:
        # merchant generations in production (custom ASICs are a captive market of their own)
        chips = {gid: x for gid, x in pub.markets.get("chips", {}).items() if not spec.vendors[spec.generations[gid].vendor].custom}
        bid = sum(x.get("bid_units", x["spot_bid"]) for x in chips.values())
        sup = sum(x["supply"] for x in chips.values())
        ratios.append(bid / sup if sup else 0.0)
    for reps in game.private_reports:
        for rep in reps.values():
            spend -= sum(v for k, v in rep.pnl.items() if k in ("chip_prepayment", "chip_delivery", "apa_deposit"))
    for pub in game.public_reports:
        for gid, x in pub.markets.get("chips", {}).items():
            kw += (x["agreements"] + x["spot_sold"]) * spec.generations[gid].power_kw
    idle_musd = 0.0
    for c in g.world.companies.values():
        for gid, n in c.inventory.items():
            idle_musd += n * g.world.generations[gid].list_price_musd
        for d in c.deliveries:
            idle_musd += d.cost_musd
    pjm, other = [], []
    for pub in game.public_reports:
        for x in pub.online:
            if x["quarters_from_power"] is None:
                continue
            (pjm if x["region"] == "pjm" else other).append(x["quarters_from_power"])
    h100e = sum(c.capacity_h100e for c in g.world.companies.values() if c.alive)
    return {"ratios": ratios, "usd_per_it_mw": spend / (kw / 1000) if kw else 0.0, "idle_musd": idle_musd, "pjm": pjm, "other": other, "h100e": h100e, "spend": spend}


def _scaled(spec, factor: float) -> list[str]:
    """Overrides multiplying every vendor's packaging and HBM output by factor."""
    over = []
    for vid, v in spec.vendors.items():
        over += [f"vendors.{vid}.packaging_units_per_quarter={v.packaging_units_per_quarter * factor}", f"vendors.{vid}.hbm_units_per_quarter={v.hbm_units_per_quarter * factor}"]
    return over


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--games", type=int, default=50)
    ap.add_argument("--no-halved", action="store_true", help="skip the halved-supply games")
    ap.add_argument("--supply-scale", type=float, default=1.0, help="multiply every vendor's packaging and HBM (for tuning)")
    args = ap.parse_args()
    spec = load_scenario(args.scenario)
    if args.supply_scale != 1.0:
        spec = load_scenario(args.scenario, _scaled(spec, args.supply_scale))
    runs = [one_game(spec, s) for s in range(args.games)]
    n_q = len(runs[0]["ratios"])
    print("chip bids ÷ supply by quarter (median over seeds):")
    print("  " + " ".join(f"{statistics.median(r['ratios'][q] for r in runs if q < len(r['ratios'])):.2f}" for q in range(n_q)))
    early = [r["ratios"][q] > 1.0 for r in runs for q in range(min(12, len(r["ratios"])))]
    print(f"  2026-2028 quarters with bids > supply: {sum(early) / len(early):.0%}")
    print(f"  mean ratio 2026-2028: {statistics.mean(r['ratios'][q] for r in runs for q in range(min(12, len(r['ratios'])))):.2f}")
    print(f"chip $ per MW of IT load bought: ${statistics.mean(r['usd_per_it_mw'] for r in runs):.1f}M")
    print(f"chip spend per game: ${statistics.mean(r['spend'] for r in runs) / 1000:.1f}B")
    print(f"never installed (inventory + undelivered at the end): ${statistics.mean(r['idle_musd'] for r in runs) / 1000:.2f}B a game")
    pjm = [x for r in runs for x in r["pjm"]]
    other = [x for r in runs for x in r["other"]]
    if pjm:
        print(f"PJM power -> online: {len(pjm)} sites, mean {statistics.mean(pjm):.1f} q, range {min(pjm)}-{max(pjm)}")
    else:
        print("PJM power -> online: no sites")
    if other:
        print(f"other regions power -> online: {len(other)} sites, mean {statistics.mean(other):.1f} q")
    base = statistics.mean(r["h100e"] for r in runs)
    print(f"H100e online at the end: {base / 1e6:.2f}M")
    if not args.no_halved:
        half = load_scenario(args.scenario, _scaled(spec, 0.5))
        h = statistics.mean(one_game(half, s)["h100e"] for s in range(args.games))
        print(f"  with chip supply halved: {h / 1e6:.2f}M ({h / base - 1:+.1%})")


if __name__ == "__main__":
    main()
