"""What happened in a saved game, quarter by quarter: replayed from its order log and read off
the engine's own reports, as plain JSON-able data (the debrief's --json is this)."""

from __future__ import annotations

import math
from typing import Any, Mapping

import attrs

from ..engine import Game
from ..engine.build import retrofit_cost
from ..engine.core import CAPITAL, PNL
from ..engine.finance import borrow_headroom
from ..model.orders import ORDER_TYPES, cut_reason, describe, order_from_dict, order_to_dict, shown_order
from ..model.state import ONLINE

# Cash-flow statement: which ledger categories are investing and which financing (the rest of
# the P&L categories are operating). Names are the engine's own ledger categories.
INVESTING = ("capex_facility", "capex_power", "chip_prepayment", "chip_delivery", "apa_deposit", "asset_purchase")
FINANCING = ("debt_draw", "debt_repay", "equity_raise")


def r(x: Any, digits: int = 4) -> Any:
    """A float rounded for the report (so the JSON and HTML are short and byte-stable)."""
    if isinstance(x, bool) or not isinstance(x, float):
        return x
    if not math.isfinite(x):
        return None
    return round(x, digits) + 0.0  # + 0.0: no negative zero


def order_dict(x: Any) -> dict | None:
    """An order in its checked JSON form (typed fields, whether the log holds the object or its
    dict), or None for something that is not an order (the engine refused it, and nothing here
    reads its fields: a save may hold anything a bot sent)."""
    if type(x) in ORDER_TYPES.values():
        return order_to_dict(x)
    try:
        return order_to_dict(order_from_dict(x))
    except (ValueError, TypeError):
        return None


def order_text(x: Any) -> str:
    """The order as the engine names it in its reports (and in its rejections)."""
    if type(x) in ORDER_TYPES.values():
        return cut_reason(describe(x))
    try:
        return cut_reason(describe(order_from_dict(x)))
    except (ValueError, TypeError):
        return cut_reason(shown_order(x))


def verdicts(raw: Any, rejected: list[dict]) -> list[dict]:
    """Each order given with 'accepted' or 'rejected' and the engine's reason. The engine lists
    its rejections in the order the orders were given, named as describe() names them, so one
    walk down both lists pairs them."""
    rejected = [x for x in rejected if isinstance(x, Mapping)]
    orders = list(raw) if isinstance(raw, (list, tuple)) else ([] if raw is None else [raw])
    out, k = [], 0
    for x in orders:
        text = order_text(x)
        if k < len(rejected) and rejected[k].get("order") == text:
            out.append({"order": text, "raw": order_dict(x), "verdict": "rejected", "reason": str(rejected[k].get("reason", ""))})
            k += 1
        else:
            out.append({"order": text, "raw": order_dict(x), "verdict": "accepted", "reason": ""})
    # rejections not tied to one order (a whole set refused, orders over the limit)
    for x in rejected[k:]:
        out.append({"order": str(x.get("order", "")), "raw": None, "verdict": "rejected", "reason": str(x.get("reason", ""))})
    return out


def result_fields(row: Any) -> dict[str, Any]:
    """A company's result as a flat dict of its fields, whatever fields the score has now
    (nested records and dicts of components become `name.part` keys)."""
    raw = attrs.asdict(row) if attrs.has(type(row)) else dict(row)
    out: dict[str, Any] = {}

    def put(prefix: str, v: Any) -> None:
        if isinstance(v, Mapping):
            for k, x in v.items():
                put(f"{prefix}.{k}", x)
        elif isinstance(v, (list, tuple)):
            out[prefix] = ", ".join(map(str, v))
        else:
            out[prefix] = r(v) if isinstance(v, float) else v

    for k, v in raw.items():
        put(k, v)
    return out


def stake_musd(game: Game, cid: str, order: Any) -> float:
    """Roughly how much money an order commits, in $M: used to pick the decisions whose
    reversal is worth testing (a price an offer asks has no stake of its own)."""
    d = order_dict(order)
    if d is None:
        return 0.0
    spec, world = game.spec, game.core.world
    kind = d.get("type")

    def f(key: str) -> float:
        v = d.get(key, 0.0)
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else 0.0

    if kind in ("bid_interconnect", "bid_gas"):
        return f("mw") * f("price_musd_per_mw")
    if kind == "sign_smr":
        return f("mw") * spec.power.smr.deposit_musd_per_mw
    if kind == "bid_lot":
        return f("price_musd")
    if kind == "bid_chips":
        return f("units") * f("price_musd_per_unit")
    if kind == "sign_apa":
        gen = spec.generations.get(d.get("generation"))
        return f("units_per_quarter") * f("quarters") * (gen.list_price_musd if gen else 0.0)
    if kind == "bid_crews":
        return f("crews") * f("wage_musd")
    if kind in ("fund_training", "borrow", "repay", "raise_equity"):
        return f("musd")
    if kind == "fund_asic":
        return spec.asic.programme_cost_musd_per_quarter
    if kind == "start_site":
        c = world.companies.get(cid)
        p = next((p for p in c.power if p.id == d.get("power")), None) if c else None
        cool = spec.cooling.get(d.get("cooling"))
        if p is None or cool is None or p.region not in spec.regions:
            return 0.0
        # capex per MW of IT load, the hall's grid MW at its design PUE (the engine's rule)
        return p.mw / game.core.design_pue(d.get("cooling"), p.region) * cool.capex_musd_per_it_mw * spec.regions[p.region].facility_capex_multiplier
    if kind == "retrofit":
        c = world.companies.get(cid)
        s = next((s for s in c.sites if s.id == d.get("site")), None) if c else None
        return retrofit_cost(game.core, s, d.get("cooling")) if s is not None and d.get("cooling") in spec.cooling else 0.0
    hours = spec.rules.hours_per_quarter
    if kind == "bid_rfp":
        rfp = game.core.open_rfp(d.get("rfp"))
        return rfp.h100e * f("price_usd_per_h100e_hour") * hours * rfp.quarters / 1e6 if rfp else 0.0
    if kind == "subcontract":
        return f("h100e") * f("max_price_usd_per_h100e_hour") * hours * f("quarters") / 1e6
    return 0.0


def company_figures(game: Game, cid: str) -> dict[str, Any]:
    """One company's position at the close of the quarter just played."""
    g = game.core
    c = g.world.companies[cid]
    online = sum(s.mw for s in c.sites if s.stage == ONLINE)
    pipeline = sum(s.mw for s in c.sites if s.stage != ONLINE)
    cap = c.capacity_h100e if c.alive else 0.0
    headroom = borrow_headroom(g, c) if c.alive else 0.0
    assets = g.book_assets(c) if c.alive else 0.0
    return {
        "alive": c.alive,
        "cash_musd": r(c.cash_musd, 2),
        "debt_musd": r(c.debt_musd, 2),
        "headroom_musd": r(headroom, 2),
        "leverage": r(c.debt_musd / assets, 4) if assets > 0 else None,
        "capacity_h100e": r(cap, 1),
        "used_h100e": r(c.used_h100e if c.alive else 0.0, 1),
        "utilisation": r(min(1.0, c.used_h100e / cap), 4) if cap > 0 else None,
        "online_mw": r(online, 1),
        "pipeline_mw": r(pipeline, 1),
        "power_mw": r(sum(p.mw for p in c.power), 1),
        "revenue_musd": r(c.revenue_musd, 2),
        "net_income_musd": r(c.net_income_musd, 2),
        "distress_quarters": c.distress_quarters,
        "covenant_breached": c.covenant_breached,
    }


def statements(game: Game, cid: str, pnl_total: Mapping[str, float], depreciation_musd: float, cash_start_musd: float) -> dict[str, list]:
    """The three statements at the end: income and cash flow summed over the game, and the
    balance sheet at the last close. Lines are [label, $M]."""
    g = game.core
    c = g.world.companies[cid]
    income = [[k, r(v, 1)] for k, v in sorted(pnl_total.items()) if k in PNL and abs(v) >= 0.05]
    income.append(["depreciation", r(-depreciation_musd, 1)])
    net = sum(v for k, v in pnl_total.items() if k in PNL) - depreciation_musd
    income.append(["net income", r(net, 1)])
    sites, power, chips = g.asset_books(c) if c.alive else (0.0, 0.0, 0.0)
    deposits = c.deposits_musd if c.alive else 0.0
    total = c.cash_musd + sites + power + chips + deposits
    balance = [
        ["cash", r(c.cash_musd, 1)],
        ["data-centre sites (book)", r(sites, 1)],
        ["power sources (book)", r(power, 1)],
        ["accelerators (book)", r(chips, 1)],
        ["deposits", r(deposits, 1)],
        ["total assets", r(total, 1)],
        ["debt", r(c.debt_musd, 1)],
        ["book equity", r(total - c.debt_musd, 1)],
    ]
    operating = sum(v for k, v in pnl_total.items() if k in PNL)
    investing = sum(pnl_total.get(k, 0.0) for k in INVESTING)
    financing = sum(pnl_total.get(k, 0.0) for k in FINANCING)
    other = sum(v for k, v in pnl_total.items() if k in CAPITAL and k not in INVESTING and k not in FINANCING)
    cash_flow = [["cash at the start", r(cash_start_musd, 1)], ["operating", r(operating, 1)]]
    cash_flow += [[f"  {k}", r(pnl_total[k], 1)] for k in INVESTING if abs(pnl_total.get(k, 0.0)) >= 0.05]
    cash_flow.append(["investing", r(investing, 1)])
    cash_flow += [[f"  {k}", r(pnl_total[k], 1)] for k in FINANCING if abs(pnl_total.get(k, 0.0)) >= 0.05]
    cash_flow.append(["financing", r(financing, 1)])
    if abs(other) >= 0.05:
        cash_flow.append(["other", r(other, 1)])
    cash_flow.append(["cash at the end", r(c.cash_musd, 1)])
    return {"income": income, "balance": balance, "cash_flow": cash_flow}


def closest_to_distress(labels: list[str], series: list[dict]) -> dict | None:
    """The quarter a company came nearest to failing: in distress or in breach if it ever was
    (longest first), else the quarter its cash plus the borrowing its covenant still allowed
    was smallest against its debt."""
    best = None
    for i, f in enumerate(series):
        if not f.get("alive", True):
            return {"quarter": labels[i], "index": i, "note": "bankrupt", **{k: f.get(k) for k in ("cash_musd", "debt_musd", "headroom_musd")}}
        liquid = (f.get("cash_musd") or 0.0) + (f.get("headroom_musd") or 0.0)
        key = (-(f.get("distress_quarters") or 0), -int(bool(f.get("covenant_breached"))), liquid / max(1.0, f.get("debt_musd") or 0.0), i)
        if best is None or key < best[0]:
            best = (key, i, f, liquid)
    if best is None:
        return None
    _, i, f, liquid = best
    if f.get("distress_quarters"):
        note = f"in distress ({f['distress_quarters']} quarter(s) in a row)"
    elif f.get("covenant_breached"):
        note = "its debt covenant was breached"
    else:
        note = f"its most stretched quarter: cash plus the new borrowing its covenant allowed came to ${liquid:,.0f}M against debt of ${f.get('debt_musd') or 0:,.0f}M"
    return {"quarter": labels[i], "index": i, "note": note, "liquidity_musd": r(liquid, 1), **{k: f.get(k) for k in ("cash_musd", "debt_musd", "headroom_musd", "leverage")}}


def market_figures(game: Game, index_before: float) -> dict[str, Any]:
    """The quarter's public market: what cleared at what price (read defensively: the market
    modules report what they report)."""
    pub = game.public_reports[-1]
    m = pub.markets if isinstance(pub.markets, Mapping) else {}
    hist = game.history[-1]
    out: dict[str, Any] = {
        "price_index": r(index_before),
        "price_index_next": r(hist.get("price_index")),
        "demand_h100e": r(hist.get("demand_h100e"), 0),
        "capacity_h100e": r(sum(v.get("capacity_h100e", 0.0) for v in hist.values() if isinstance(v, Mapping)), 0),
        "interconnect": {},
        "gas": None,
        "chips": {},
        "labour": {},
    }
    for rid, x in (m.get("interconnect") or {}).items():
        if isinstance(x, Mapping) and x.get("sold_mw"):
            out["interconnect"][rid] = r(x.get("price_musd_per_mw"))
    gas = m.get("gas") or {}
    if isinstance(gas, Mapping) and gas.get("sold_mw"):
        out["gas"] = r(gas.get("price_musd_per_mw"))
    for gid, x in (m.get("chips") or {}).items():
        if isinstance(x, Mapping) and x.get("spot_sold"):
            out["chips"][gid] = r((x.get("spot_price_musd") or 0.0) * 1000, 3)  # $k per unit
    for rid, x in (m.get("labour") or {}).items():
        if isinstance(x, Mapping) and x.get("hired"):
            out["labour"][rid] = r(x.get("wage_musd"))
    out["rfps"] = [dict(x) for x in ((m.get("compute") or {}).get("rfps") or []) if isinstance(x, Mapping)]
    return out


def near_misses(cid: str, label: str, index: int, given: list[dict], market: dict[str, Any]) -> list[dict]:
    """Bids this company lost by a small margin: below a uniform clearing price it nearly met,
    or above the winning bid of an RFP."""
    out = []
    for v in given:
        d = v.get("raw") or {}
        if v["verdict"] != "accepted":
            continue
        kind = d.get("type")
        bid = clearing = None
        what = ""
        if kind == "bid_interconnect":
            bid, clearing = d.get("price_musd_per_mw"), market["interconnect"].get(d.get("region"))
            what = f"interconnect in {d.get('region')} ($M/MW)"
        elif kind == "bid_gas":
            bid, clearing, what = d.get("price_musd_per_mw"), market["gas"], "gas turbines ($M/MW)"
        elif kind == "bid_chips":
            bid, clearing = d.get("price_musd_per_unit"), market["chips"].get(d.get("generation"))
            bid = bid * 1000 if isinstance(bid, (int, float)) else None  # $k per unit, as the chart shows it
            what = f"{d.get('generation')} at spot ($k/unit)"
        elif kind == "bid_crews":
            bid, clearing, what = d.get("wage_musd"), market["labour"].get(d.get("region")), f"crews in {d.get('region')} ($M/crew)"
        elif kind == "bid_rfp":
            won = next((x for x in market["rfps"] if x.get("rfp") == d.get("rfp")), None)
            if won and won.get("winner") not in (None, cid) and isinstance(won.get("price"), (int, float)):
                p, mine = float(won["price"]), d.get("price_usd_per_h100e_hour")
                if isinstance(mine, (int, float)) and mine > p > 0:
                    out.append({"quarter": label, "index": index, "company": cid, "what": f"training RFP {d.get('rfp')} ($/H100e-hour)", "bid": r(float(mine)), "clearing": r(p), "margin": r((mine - p) / p)})
            continue
        # a bid at the clearing price was rationed, not outbid: only one strictly below counts
        if isinstance(bid, (int, float)) and isinstance(clearing, (int, float)) and 0 < bid < clearing * (1 - 1e-6):
            out.append({"quarter": label, "index": index, "company": cid, "what": what, "bid": r(float(bid)), "clearing": r(float(clearing)), "margin": r((clearing - bid) / clearing)})
    return out


FIRSTS = (
    ("cut_price", "first offered compute below the price index"),
    ("above_reserve", "first bid above a region's reserve price for grid power"),
)


def firsts(game: Game, cid: str, label: str, given: list[dict], index_before: float, seen: dict[str, dict]) -> None:
    """Note who moved first: the first of each kind of accepted order, and two telling ones."""
    for v in given:
        if v["verdict"] != "accepted" or not v.get("raw"):
            continue
        d = v["raw"]
        kind = d.get("type")
        keys = [kind]
        if kind == "offer_compute" and isinstance(d.get("price_usd_per_h100e_hour"), (int, float)) and d["price_usd_per_h100e_hour"] < index_before:
            keys.append("cut_price")
        region = game.spec.regions.get(d.get("region")) if isinstance(d.get("region"), str) else None
        if kind == "bid_interconnect" and region and isinstance(d.get("price_musd_per_mw"), (int, float)) and d["price_musd_per_mw"] > region.grid_reserve_price_musd_per_mw:
            keys.append("above_reserve")
        for k in keys:
            hit = seen.get(k)
            if hit is None:
                seen[k] = {"what": k, "quarter": label, "companies": [cid], "example": v["order"]}
            elif hit["quarter"] == label and cid not in hit["companies"]:
                hit["companies"].append(cid)
