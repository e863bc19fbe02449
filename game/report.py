"""The end-of-game report as plain text and as JSON-ready data."""

from __future__ import annotations

import math
from typing import Any, Mapping

from .agents.external import bot_records
from .engine import Game
from .engine.scoring import GameResult
from .scenario import Scenario
from .scenario.load import CONVERTER

# What each event lever does, in words: (template for the value, whether it is a multiplier).
# A multiplier reads as a percentage change; the rest print their value (docs/rules.md, events).
_LEVER_WORDS: dict[str, tuple[str, bool]] = {
    "queue_wait_add_quarters": ("new grid queue positions wait {:+.0f} quarters", False),
    "grid_release_multiplier": ("grid MW auctioned {:+.0%}", True),
    "power_price_multiplier": ("power price {:+.0%}", True),
    "air_pue_add": ("air-cooled halls' PUE {:+.2f}", False),
    "outage_fraction": ("{:.0%} of air-cooled capacity lost each quarter", False),
    "moratorium": ("no permits and no grid auction", False),
    "export_restricted": ("export-controlled chips may not be installed", False),
    "supply_multiplier": ("chip supply {:+.0%}", True),
    "smr_delay_add_quarters": ("every undelivered SMR slips {:+.0f} quarters", False),
    "demand_multiplier": ("compute demand {:+.0%}", True),
    "training_demand_multiplier": ("training RFP volume {:+.0%}", True),
    "rate_add": ("interest rates {:+.2%} a year", False),
    "construction_speed_multiplier": ("construction speed {:+.0%}", True),
    "crews_multiplier": ("crews available {:+.0%}", True),
    "release_shift_quarters": ("release moves {:+.0f} quarters", False),
    "customer_default": ("a training customer walks away from its contract", False),
    "gas_price_multiplier": ("gas power price {:+.0%}", True),
}
ONE_SHOT_LEVERS = frozenset({"smr_delay_add_quarters", "release_shift_quarters", "customer_default"})


def event_effect(spec: Scenario, event: Mapping[str, Any]) -> str:
    """What a fired event does, built from the scenario's effects: "ERCOT: power price +30% for
    2 quarters". Unknown events (an old save) read as their title alone."""
    ev = spec.events.get(event.get("event", ""))
    where = f" ({event['where']})" if event.get("where") else ""
    if ev is None or not ev.effects:  # an old save's event, or news that changes nothing (a lesson)
        return f"{event.get('title', '?')}{where}"
    parts = []
    for lever, value in ev.effects.items():
        words, multiplier = _LEVER_WORDS.get(lever, (lever.replace("_", " ") + " {}", False))
        parts.append(words.format(value - 1 if multiplier else value) if "{" in words else words)
    lasting = [k for k in ev.effects if k not in ONE_SHOT_LEVERS]
    span = f" for {ev.duration_quarters} quarter{'s' if ev.duration_quarters != 1 else ''}" if lasting else " (once)"
    return f"{ev.title}{where}: " + "; ".join(parts) + span


def demand_lines(compute: Mapping[str, Any]) -> list[str]:
    """The compute market's demand accounted for: demand = served + priced out + unmet, for
    inference spot and for training RFPs, with the capacity offered and left idle."""
    k = lambda x: f"{x / 1e3:,.0f}k"  # noqa: E731
    out = []
    if "inference_demand_h100e" in compute:
        out.append(
            f"Inference: demand {k(compute['inference_demand_h100e'])} H100e = served {k(compute.get('served_h100e', compute.get('spot_sold_h100e', 0)))}"
            f" + priced out {k(compute.get('priced_out_h100e', 0))} (would not pay the prices asked, or had no seller in reach)"
            f" + unmet {k(compute.get('unmet_h100e', 0))} (its seller had no room left);"
            f" offered {k(compute.get('offered_h100e', 0))}, idle {k(compute.get('idle_offered_h100e', 0))}"
        )
    t = compute.get("training")
    if t:
        out.append(
            f"Training RFPs: demand {k(t['demand_h100e'])} H100e = awarded {k(t['served_h100e'])}"
            f" + priced out {k(t['priced_out_h100e'])} (no bid under the ceiling) + unmet {k(t['unmet_h100e'])}"
        )
    return out


def index_reason(before: float, compute: Mapping[str, Any], spec: Scenario) -> str:
    """Why the price index moved: the going price of the capacity offered, lifted by unmet
    demand and lowered by idle offers (as a share of demand, capped), never below the cost of
    serving (game/engine/compute.py, _move_price_index)."""
    after = compute.get("price_index_next", before)
    t = compute.get("training", {})
    demand = compute.get("inference_demand_h100e", 0.0) + t.get("demand_h100e", 0.0)
    unmet = compute.get("unmet_h100e", 0.0) + t.get("unmet_h100e", 0.0)
    idle = compute.get("idle_offered_h100e", 0.0)
    cost = compute.get("cost_of_serving_usd_per_h100e_hour", 0.0)
    cap = spec.rules.price_index_excess_cap
    excess = (unmet - idle) / demand if demand > 0 else 0.0
    lift = math.exp(spec.rules.price_index_sensitivity * min(cap, max(-cap, excess)))
    pressure = "shortage lifts it" if excess > 0.005 else "glut lowers it" if excess < -0.005 else "balanced, no push"
    floor = max(cost, spec.rules.price_index_floor_usd_per_h100e_hour)
    bound = " — held at the floor (cost of serving)" if abs(after - floor) < 1e-6 else " — held at the ceiling" if abs(after - spec.rules.price_index_ceiling_usd_per_h100e_hour) < 1e-6 else ""
    return (
        f"Price index ${before:.2f} → ${after:.2f}: " + ("" if bound else f"capacity offered went at ${after / lift:.2f} on average; ") +
        f"unmet {unmet / 1e3:,.0f}k less idle {idle / 1e3:,.0f}k = {excess:+.0%} of demand (counted to ±{cap:.0%}), "
        f"{pressure} ×{lift:.2f}{bound}; cost of serving ${cost:.2f}"
    )


def market_summary(game: Game) -> dict[str, Any]:
    h = game.history
    pubs = game.public_reports
    grid_mw = sum(r["sold_mw"] for p in pubs for r in p.markets.get("interconnect", {}).values())
    grid_spend = sum(r["sold_mw"] * r["price_musd_per_mw"] for p in pubs for r in p.markets.get("interconnect", {}).values())
    builds = [{"quarter": p.quarter, **b} for p in pubs for b in p.online]
    events = [f"{p.quarter} {event_effect(game.spec, e)}" for p in pubs for e in p.events]
    caps = [sum(q[c]["capacity_h100e"] for c in game.companies) for q in h]
    return {
        "price_index_start": h[0]["price_index"] if h else None,
        "price_index_end": h[-1]["price_index"] if h else None,
        "demand_h100e_start": h[0]["demand_h100e"] if h else None,
        "demand_h100e_end": h[-1]["demand_h100e"] if h else None,
        "capacity_h100e_start": caps[0] if caps else None,
        "capacity_h100e_end": caps[-1] if caps else None,
        "interconnect_mw_sold": grid_mw,
        "interconnect_avg_price_musd_per_mw": grid_spend / grid_mw if grid_mw else 0.0,
        "builds": builds,
        "events": events,
    }


def result_json(game: Game, result: GameResult, agents: Mapping[str, Any] | None = None) -> dict[str, Any]:
    out = CONVERTER.unstructure(result)
    out["market"] = market_summary(game)
    out["history"] = game.history_with(*game.companies)  # the game is over: every figure is on the record
    bots = bot_records(agents or {})
    if bots:
        out["bots"] = bots
    return out


def bots_section(agents: Mapping[str, Any]) -> list[str]:
    """What went wrong with external bots, if anything did: each fault, each retired seat, each log."""
    faulty = [b for b in bot_records(agents) if b["faults"]]
    if not faulty:
        return []
    lines = ["", "Bots (a fault costs the bot that quarter's orders; see docs/bot-protocol.md)"]
    for b in faulty:
        end = f"; retired in {b['retired']}, no orders after that" if b["retired"] else ""
        lines.append(f"  - {b['company']} ({b['agent'][:40]}): {len(b['faults'])} fault{'s' if len(b['faults']) != 1 else ''}{end}; stderr log {b['log']}")
        lines += [f"      {f['quarter']} {f['kind']}: {f['detail']}" for f in b["faults"]]
    return lines


def _b(x: float) -> str:
    return f"{x / 1000:,.1f}"


def score_components(result: GameResult) -> list[str]:
    """How each score was reached, in $B: the economic equity, what is taken off it, and the scale."""
    head = (
        f"{'Company':<22}{'Cash':>7}{'−Debt':>7}{'Fleet':>7}{'Power':>7}{'Build':>7}{'Chips':>7}{'Backlog':>8}"
        f"{'=Equity':>9}{'×Stake':>7}{'−Outside':>9}{'−Passive':>9}{'=Created':>9}{'÷Capital':>9}"
    )
    lines = ["Score components, $B (docs/rules.md, \"Winning and the score\")", head, "-" * len(head)]
    for r in result.standings:
        lines.append(
            f"{r.name[:21]:<22}{_b(r.cash_musd):>7}{_b(r.debt_musd):>7}{_b(r.fleet_value_musd):>7}{_b(r.power_value_musd):>7}"
            f"{_b(r.build_value_musd):>7}{_b(r.chip_value_musd):>7}{_b(r.backlog_margin_musd):>8}{_b(r.economic_equity_musd):>9}"
            f"{r.ownership:>7.0%}{_b(r.outside_cash_musd):>9}{_b(r.benchmark_musd):>9}{_b(r.value_created_musd):>9}{_b(r.capital_musd):>9}"
        )
    return lines


def text_report(game: Game, result: GameResult, agents: Mapping[str, Any] | None = None) -> str:
    spec = game.spec
    m = market_summary(game)
    lines = [
        f"Gridlock — {spec.game.name}, seed {result.seed}: {result.quarters_played} quarters, to {result.final_quarter}",
        "",
        "Standings (score = 1 + value created above the passive benchmark ÷ capital: starting equity + the most debt carried; 1.00× = doing nothing; bankrupt = 0)",
    ]
    head = f"{'#':>2}  {'Company':<22}{'Type':<12}{'Agent':<12}{'Score':>7}{'Created $B':>11}{'Online MW':>11}{'H100e':>7}{'Util':>6}{'Cash $B':>9}{'Debt $B':>9}  Status"
    lines += [head, "-" * len(head)]
    for r in result.standings:
        status = r.status
        lines.append(
            f"{r.rank:>2}  {r.name[:21]:<22}{r.archetype:<12}{r.agent[:11]:<12}{r.score:>6.2f}×{_b(r.value_created_musd):>11}{r.online_mw:>11,.0f}"
            f"{r.share_h100e:>7.0%}{r.utilisation:>6.0%}{_b(r.cash_musd):>9}{_b(r.debt_musd):>9}  {status}"
        )
    lines += ["", *score_components(result)]
    lines += ["", "What decided the game"]
    lines += [f"  - {d}" for d in result.decisive]
    lines += ["", "The market"]
    lines.append(f"  - Price index: ${m['price_index_start']:.2f} → ${m['price_index_end']:.2f} per H100e-hour")
    lines.append(f"  - Market demand: {m['demand_h100e_start'] / 1e6:.1f}M → {m['demand_h100e_end'] / 1e6:.1f}M H100e; installed capacity {m['capacity_h100e_start'] / 1e6:.1f}M → {m['capacity_h100e_end'] / 1e6:.1f}M H100e")
    lines.append(f"  - Interconnect sold: {m['interconnect_mw_sold']:,.0f} MW at an average ${m['interconnect_avg_price_musd_per_mw']:.2f}M/MW")
    builds = m["builds"]
    if builds:
        lines.append(f"  - {len(builds)} sites came online, {sum(b['mw'] for b in builds):,.0f} MW. Years from securing power in the game to online, by region:")
        by_region: dict[str, list[float]] = {}
        for b in builds:
            if b["quarters_from_power"] is not None:
                by_region.setdefault(b["region"], []).append(b["quarters_from_power"] / 4)
        for rid, years in sorted(by_region.items(), key=lambda kv: -max(kv[1])):
            lines.append(f"      {spec.regions[rid].name:<28} {len(years):>3} sites, mean {sum(years) / len(years):.1f}, longest {max(years):.1f}")
    if m["events"]:
        lines.append(f"  - Events ({len(m['events'])}), each with its effect:")
        lines += [f"      {e}" for e in m["events"]]
    lines += bots_section(agents or {})
    return "\n".join(lines)
