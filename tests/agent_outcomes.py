"""Play each built-in agent in every seat its archetype allows and sum up what it did (for tests)."""

from __future__ import annotations

from collections import Counter
from statistics import mean

from game.agents import REGISTRY
from game.model.orders import order_to_dict
from game.runner import play, seat_agents
from game.scenario import Scenario


def kind(order) -> str:
    return order["type"] if isinstance(order, dict) else order.kind


def outcomes(spec: Scenario, name: str, seeds: range) -> dict:
    """Means over its seats and seeds, plus every rejection it met."""
    info = REGISTRY[name]
    seats = {cid: name for cid, cs in spec.companies.items() if info.plays(cs.archetype)}
    per: list[dict] = []
    rejected: list = []
    for seed in seeds:
        game, result = play(spec, seed, seat_agents(spec, seed, seats))
        rejected += [(seed, q, cid, r) for q, reps in enumerate(game.private_reports) for cid, rep in reps.items() if cid in seats for r in rep.rejected]
        standing = {s.id: s for s in result.standings}
        for cid in seats:
            orders = [x if isinstance(x, dict) else order_to_dict(x) for q in game.order_log for x in q.get(cid, [])]
            first_power_q = next((q for q, log in enumerate(game.order_log) if any(kind(x) == "bid_interconnect" for x in log.get(cid, []))), None)
            c = game.core.world.companies[cid]
            regions = game.core.world.regions
            held = sum(p.mw for p in c.power) or 1.0
            s = standing[cid]
            per.append(
                dict(
                    score=s.score,
                    bankrupt=float(s.bankrupt),
                    debt=s.debt_musd,
                    power_mw=s.power_mw_held,
                    utilisation=s.utilisation,
                    smr_mw=sum(x["mw"] for x in orders if x["type"] == "sign_smr"),
                    apa_units=sum(x["units_per_quarter"] * x["quarters"] for x in orders if x["type"] == "sign_apa"),
                    asic_units=sum(x["units"] for x in orders if x["type"] == "bid_chips" and x["generation"] == spec.asic.generation),
                    subcontracts=sum(1 for x in orders if x["type"] == "subcontract"),
                    outside_queue=sum(1 for x in orders if x["type"] in ("bid_gas", "bid_lot")),
                    first_power_bid=first_power_q if first_power_q is not None else len(game.order_log),
                    powered_site_mw=sum(p.mw for p in c.power if p.kind == "powered_site"),
                    power_price=sum(p.mw * (p.price_usd_per_mwh or regions[p.region].power_price_usd_per_mwh) for p in c.power) / held,
                    # $/MWh of the power it secured in the game, by MW (a bankrupt company holds none: not counted)
                    **({"new_power_price": sum(p.mw * (p.price_usd_per_mwh or regions[p.region].power_price_usd_per_mwh) for p in bought) / sum(p.mw for p in bought)} if (bought := [p for p in c.power if p.acquired_quarter >= 0]) else {}),
                    **{f"orders_{k}": v for k, v in Counter(x["type"] for x in orders).items()},
                )
            )
    keys = sorted({k for row in per for k in row})
    return {"rejected": rejected, "seats": len(per), **{k: mean(row[k] if k in row else 0.0 for row in per) if not k.startswith("new_") else mean(row[k] for row in per if k in row) for k in keys}}
