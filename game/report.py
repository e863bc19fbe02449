"""The end-of-game report as plain text and as JSON-ready data."""

from __future__ import annotations

from typing import Any, Mapping

from .agents.external import bot_records
from .engine import Game
from .engine.scoring import GameResult
from .scenario.load import CONVERTER



def market_summary(game: Game) -> dict[str, Any]:
    h = game.history
    pubs = game.public_reports
    grid_mw = sum(r["sold_mw"] for p in pubs for r in p.markets.get("interconnect", {}).values())
    grid_spend = sum(r["sold_mw"] * r["price_musd_per_mw"] for p in pubs for r in p.markets.get("interconnect", {}).values())
    builds = [{"quarter": p.quarter, **b} for p in pubs for b in p.online]
    events = [f"{p.quarter} {e['title']}" + (f" ({e['where']})" if e["where"] else "") for p in pubs for e in p.events]
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
        "Standings (score = 1 + value created above the passive benchmark ÷ starting capital; 1.00× = doing nothing; bankrupt = 0)",
    ]
    head = f"{'#':>2}  {'Company':<22}{'Type':<12}{'Agent':<12}{'Score':>7}{'Created $B':>11}{'Online MW':>11}{'H100e':>7}{'Util':>6}{'Cash $B':>9}{'Debt $B':>9}  Status"
    lines += [head, "-" * len(head)]
    for r in result.standings:
        status = f"BANKRUPT {r.bankrupt_quarter}" if r.bankrupt else "ok"
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
        lines.append(f"  - Events ({len(m['events'])}): " + "; ".join(m["events"][:10]) + (" …" if len(m["events"]) > 10 else ""))
    lines += bots_section(agents or {})
    return "\n".join(lines)
