"""Phase 2, orders: check each order against its company's own state; accept it or say why not."""

from __future__ import annotations

import math
from operator import attrgetter
from typing import Any, Callable, Iterator

from ..model import orders as o
from ..model.state import ONLINE, Company
from ..model.orders import cut_reason, describe, parse_order, shown_order
from .build import retrofit_cost
from .core import GameCore
from .finance import borrow_headroom


def _num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _positive(name: str, x: Any, hi: float = 1e9) -> str | None:
    if not _num(x):
        return f"{name} must be a finite number, got {x!r}"
    if x <= 0:
        return f"{name} must be positive, got {x}"
    if x > hi:
        return f"{name} {x} is larger than the limit {hi:g}"
    return None


def _region(g: GameCore, rid: Any) -> str | None:
    if rid not in g.spec.regions:
        return f"unknown region {rid!r}"
    return None


def _archetype_may(g: GameCore, c: Company, move: str) -> str | None:
    if move not in g.spec.archetypes[c.archetype].special_moves:
        return f"a {c.archetype} cannot do this ({move} is not one of its special moves)"
    return None


def _interconnect(g: GameCore, c: Company, x: o.BidInterconnect) -> tuple[str | None, float]:
    err = _region(g, x.region) or _positive("mw", x.mw, g.spec.rules.max_site_mw) or _positive("price_musd_per_mw", x.price_musd_per_mw, 1e3)
    if err:
        return err, 0
    if g.mod("moratorium", x.region, 0.0) > 0:
        return f"{g.spec.regions[x.region].name} is under a moratorium: no interconnect auction this quarter", 0
    if x.mw < g.spec.rules.min_interconnect_award_mw:
        return f"{x.mw:g} MW is below the smallest connection a utility studies ({g.spec.rules.min_interconnect_award_mw:g} MW)", 0
    return None, x.mw * x.price_musd_per_mw


def _gas(g: GameCore, c: Company, x: o.BidGasTurbines) -> tuple[str | None, float]:
    err = _region(g, x.region) or _positive("mw", x.mw, g.spec.rules.max_site_mw) or _positive("price_musd_per_mw", x.price_musd_per_mw, 1e3)
    if err:
        return err, 0
    if not g.spec.regions[x.region].gas_allowed:
        return f"on-site gas is not allowed in {g.spec.regions[x.region].name}", 0
    return None, x.mw * x.price_musd_per_mw


def _smr(g: GameCore, c: Company, x: o.SignSmrPpa) -> tuple[str | None, float]:
    err = _region(g, x.region) or _archetype_may(g, c, "smr") or _positive("mw", x.mw, g.spec.rules.max_site_mw)
    if err:
        return err, 0
    if not g.spec.regions[x.region].smr_allowed:
        return f"SMR PPAs are not offered in {g.spec.regions[x.region].name}", 0
    return None, x.mw * g.spec.power.smr.deposit_musd_per_mw


def _lot(g: GameCore, c: Company, x: o.BidLot) -> tuple[str | None, float]:
    lot = next((lt for lt in g.world.lots if lt.id == x.lot), None)
    if lot is None:
        return f"no lot {x.lot!r} is on offer", 0
    if lot.seller == c.id:
        return "you cannot bid for your own assets", 0
    if lot.kind == "powered_site":
        err = _archetype_may(g, c, "distressed_sites")
        if err:
            return err, 0
    err = _positive("price_musd", x.price_musd, 1e7)
    if err:
        return err, 0
    if x.price_musd < lot.reserve_musd:
        return f"bid ${x.price_musd:,.1f}M is below the reserve ${lot.reserve_musd:,.1f}M", 0
    return None, x.price_musd


def _start_site(g: GameCore, c: Company, x: o.StartSite) -> tuple[str | None, float]:
    p = next((p for p in c.power if p.id == x.power), None)
    if p is None:
        return f"you hold no power source {x.power!r}", 0
    if p.site is not None:
        return f"power source {x.power} already feeds site {p.site}", 0
    if x.cooling not in g.spec.cooling:
        return f"unknown cooling {x.cooling!r}; choose one of {', '.join(g.spec.cooling)}", 0
    if not isinstance(x.fast_track, bool):
        return "fast_track must be true or false", 0
    if x.fast_track:
        err = _archetype_may(g, c, "fast_track")
        if err:
            return err, 0
    return None, 0


def _retrofit(g: GameCore, c: Company, x: o.RetrofitCooling) -> tuple[str | None, float]:
    s = next((s for s in c.sites if s.id == x.site), None)
    if s is None:
        return f"you have no site {x.site!r}", 0
    if s.stage != ONLINE:
        return f"site {s.id} is {s.stage}; only an online site can be retrofitted", 0
    target = g.spec.cooling.get(x.cooling)
    if target is None or not target.hosts_liquid_only:
        return "retrofit is to a liquid-capable cooling (liquid or immersion)", 0
    if g.spec.cooling[s.cooling].hosts_liquid_only:
        return f"site {s.id} is already {s.cooling}-cooled", 0
    return None, retrofit_cost(g, s, x.cooling)


def _generation(g: GameCore, gid: Any) -> str | None:
    if gid not in g.spec.generations:
        return f"unknown generation {gid!r}"
    if not g.released(gid):
        return f"{g.spec.generations[gid].name} is not released yet"
    if not g.in_production(gid):
        return f"{g.spec.generations[gid].name} is out of production"
    return None


def _units(name: str, x: Any) -> str | None:
    if isinstance(x, bool) or not isinstance(x, int):
        return f"{name} must be a whole number, got {x!r}"
    if x <= 0:
        return f"{name} must be positive, got {x}"
    if x > 10**8:
        return f"{name} {x} is larger than the limit {10**8}"
    return None


def _apa(g: GameCore, c: Company, x: o.SignChipAgreement) -> tuple[str | None, float]:
    err = _generation(g, x.generation) or _units("units_per_quarter", x.units_per_quarter) or _units("quarters", x.quarters)
    if err:
        return err, 0
    gen = g.spec.generations[x.generation]
    vendor = g.spec.vendors[gen.vendor]
    if vendor.custom:
        return "custom ASICs are not sold under advance-purchase agreements; order them with bid_chips", 0
    if x.quarters > vendor.apa_max_quarters:
        return f"{vendor.name} signs agreements of at most {vendor.apa_max_quarters} quarters", 0
    price = g.world.generations[x.generation].list_price_musd * (1 - vendor.apa_discount)
    return None, price * x.units_per_quarter * x.quarters * vendor.apa_deposit_fraction


def _chips(g: GameCore, c: Company, x: o.BidChips) -> tuple[str | None, float]:
    err = _generation(g, x.generation) or _units("units", x.units) or _positive("price_musd_per_unit", x.price_musd_per_unit, 100)
    if err:
        return err, 0
    gen = g.spec.generations[x.generation]
    if g.spec.vendors[gen.vendor].custom:
        if x.generation != g.spec.asic.generation or not c.asic_active:
            return f"{gen.name} is a custom ASIC: only a company whose ASIC programme is finished may order it", 0
    return None, x.units * x.price_musd_per_unit


def _asic(g: GameCore, c: Company, x: o.FundAsicProgramme) -> tuple[str | None, float]:
    err = _archetype_may(g, c, "asic")
    if err:
        return err, 0
    if c.asic_active:
        return "your ASIC programme is already finished", 0
    return None, g.spec.asic.programme_cost_musd_per_quarter


def _crews(g: GameCore, c: Company, x: o.BidCrews) -> tuple[str | None, float]:
    err = _region(g, x.region) or _positive("crews", x.crews, 1e6) or _positive("wage_musd", x.wage_musd, 1e3)
    if err:
        return err, 0
    return None, x.crews * x.wage_musd


def _training(g: GameCore, c: Company, x: o.FundTraining) -> tuple[str | None, float]:
    err = _region(g, x.region) or _positive("musd", x.musd, 1e6)
    if err:
        return err, 0
    return None, x.musd


def _offer(g: GameCore, c: Company, x: o.OfferCompute) -> tuple[str | None, float]:
    err = _region(g, x.region) or _positive("price_usd_per_h100e_hour", x.price_usd_per_h100e_hour, 1e3)
    return err, 0


def _rfp(g: GameCore, c: Company, x: o.BidRfp) -> tuple[str | None, float]:
    r = g.open_rfp(x.rfp)
    if r is None:
        return f"no open RFP {x.rfp!r}", 0
    if r.customer == c.id:
        return "you cannot bid on your own sub-contract", 0
    err = _positive("price_usd_per_h100e_hour", x.price_usd_per_h100e_hour, 1e3)
    if err:
        return err, 0
    if x.price_usd_per_h100e_hour > r.max_price_usd_per_h100e_hour:
        return f"bid ${x.price_usd_per_h100e_hour:.2f} is above the RFP's ceiling ${r.max_price_usd_per_h100e_hour:.2f}", 0
    return None, 0


def _subcontract(g: GameCore, c: Company, x: o.Subcontract) -> tuple[str | None, float]:
    err = _archetype_may(g, c, "subcontract") or _positive("h100e", x.h100e, 1e9) or _units("quarters", x.quarters)
    err = err or _positive("max_price_usd_per_h100e_hour", x.max_price_usd_per_h100e_hour, 1e3)
    if err:
        return err, 0
    if x.quarters > g.spec.demand.training.contract_quarters_max * 2:
        return f"sub-contracts run at most {g.spec.demand.training.contract_quarters_max * 2} quarters", 0
    room = subcontract_room(g, c)
    if x.h100e > room + 1e-6:
        return f"{x.h100e:,.0f} H100e is more than the {room:,.0f} of your internal demand not already sub-contracted or out to tender", 0
    return None, 0


def subcontract_room(g: GameCore, c: Company) -> float:
    """Internal demand not yet under a running sub-contract or in an open sub-contract RFP."""
    running = sum(k.h100e for x in g.alive() for k in x.contracts if k.customer == c.id)
    tendered = sum(r.h100e for r in g.world.rfps if r.customer == c.id)
    return max(0.0, c.internal_demand_h100e - running - tendered)


def _borrow(g: GameCore, c: Company, x: o.Borrow) -> tuple[str | None, float]:
    err = _positive("musd", x.musd, 1e7)
    if err:
        return err, 0
    room = borrow_headroom(g, c)
    if x.musd > room + 1e-6:
        return f"lenders will lend at most ${room:,.0f}M more (covenant: leverage ≤ {g.spec.archetypes[c.archetype].max_leverage:.0%})", 0
    return None, 0


def _repay(g: GameCore, c: Company, x: o.Repay) -> tuple[str | None, float]:
    err = _positive("musd", x.musd, 1e7)
    if err:
        return err, 0
    if x.musd > c.debt_musd + 1e-6:
        return f"you owe only ${c.debt_musd:,.0f}M", 0
    return None, x.musd


def _equity(g: GameCore, c: Company, x: o.RaiseEquity) -> tuple[str | None, float]:
    err = _positive("musd", x.musd, 1e7)
    if err:
        return err, 0
    equity = g.book_equity(c)
    if equity <= 0:
        return "no investor buys shares in a company with negative equity", 0
    cap = equity * g.spec.rules.equity_raise_max_fraction
    if x.musd > cap + 1e-6:
        return f"investors take at most ${cap:,.0f}M this quarter ({g.spec.rules.equity_raise_max_fraction:.0%} of book equity)", 0
    return None, 0


CHECKS: dict[type, Callable[[GameCore, Company, Any], tuple[str | None, float]]] = {
    o.BidInterconnect: _interconnect,
    o.BidGasTurbines: _gas,
    o.SignSmrPpa: _smr,
    o.BidLot: _lot,
    o.StartSite: _start_site,
    o.RetrofitCooling: _retrofit,
    o.SignChipAgreement: _apa,
    o.BidChips: _chips,
    o.FundAsicProgramme: _asic,
    o.BidCrews: _crews,
    o.FundTraining: _training,
    o.OfferCompute: _offer,
    o.BidRfp: _rfp,
    o.Subcontract: _subcontract,
    o.Borrow: _borrow,
    o.Repay: _repay,
    o.RaiseEquity: _equity,
}
# Orders that may appear once per key in a set; a second is rejected rather than silently merged.
_UNIQUE: dict[type, Callable[[Any], Any]] = {
    o.OfferCompute: attrgetter("region"),
    o.BidRfp: attrgetter("rfp"),
    o.BidLot: attrgetter("lot"),
    o.StartSite: attrgetter("power"),
    o.RetrofitCooling: attrgetter("site"),
    o.FundAsicProgramme: lambda x: None,
}


class OrderBook:
    """The quarter's accepted orders, by company and by kind (each market reads only its own)."""

    def __init__(self, accepted: dict[str, list[Any]]):
        self.by_company = accepted
        self._by_type: dict[type, list[tuple[str, Any]]] = {}
        of_kind = self._by_type.setdefault
        for cid, orders in accepted.items():
            for x in orders:
                of_kind(type(x), []).append((cid, x))

    def of(self, *kinds: type) -> list[tuple[str, Any]]:
        """(company, order) pairs of the given kinds, in company order then as given."""
        if len(kinds) == 1:
            return self._by_type.get(kinds[0], [])
        given = [k for k in kinds if k in self._by_type]
        if len(given) <= 1:  # one kind's list is already in that order
            return self._by_type[given[0]] if given else []
        wanted = set(kinds)
        return [(cid, x) for cid, orders in self.by_company.items() for x in orders if type(x) in wanted]


def judge_orders(g: GameCore, c: Company, items: list[Any]) -> Iterator[tuple[Any, Any, str | None, float]]:
    """(as given, parsed order, reason or None, cash committed) for each order, in order; writes
    nothing, so a player's pending orders can be checked as they are typed."""
    seen: set = set()
    funds = None  # cash plus borrowing room, worked out for the first order that costs money
    subcontracted = 0.0  # H100e the set's accepted sub-contract orders ask for so far
    for item in items:
        try:
            order = parse_order(item)  # numpy, Decimal and huge numbers are settled at the boundary
        except ValueError as e:
            yield item, None, str(e), 0.0
            continue
        check, unique = CHECKS[type(order)], _UNIQUE.get(type(order))
        try:
            reason, cost = check(g, c, order)
        except (TypeError, ValueError, AttributeError, OverflowError) as e:  # wrongly typed fields in a typed order
            reason, cost = f"malformed order: {e}", 0
        if reason is None:
            if unique is not None:
                key = (type(order), unique(order))
                if key in seen:
                    reason = "duplicate: only the first such order in a set counts"
                seen.add(key)
            if reason is None and type(order) is o.Subcontract:
                room = subcontract_room(g, c)
                if subcontracted + order.h100e > room + 1e-6:
                    reason = f"this set's sub-contracts come to {subcontracted + order.h100e:,.0f} H100e, more than the {room:,.0f} of your internal demand not already sub-contracted or out to tender"
                else:
                    subcontracted += order.h100e
            if reason is None and cost:
                if funds is None:
                    funds = c.cash_musd + borrow_headroom(g, c)
                if cost > 0 and cost > funds + 1e-6:
                    reason = f"insufficient funds: needs up to ${cost:,.0f}M, ${max(funds, 0):,.0f}M left (cash plus borrowing room)"
                else:
                    funds -= cost
        yield item, order, reason, cost


def validate_orders(g: GameCore, c: Company, raw: Any) -> list[Any]:
    """Accepted orders in the order given; each rejection goes to the company's report."""
    rep = g.private[c.id]

    if raw is None:
        return []
    if not isinstance(raw, (list, tuple)):
        rep.rejected.append({"order": cut_reason(shown_order(raw)), "reason": "an order set must be a list of orders"})
        return []
    limit = g.spec.rules.max_orders_per_quarter
    if len(raw) > limit:
        rep.rejected.append({"order": f"{len(raw) - limit} orders", "reason": f"at most {limit} orders per quarter; the rest were dropped"})
        raw = raw[:limit]
    accepted = []
    for item, order, reason, _cost in judge_orders(g, c, list(raw)):
        if reason is None:
            accepted.append(order)
        else:
            shown = order if order is not None else item
            rep.rejected.append({"order": cut_reason(describe(shown) if type(shown) in CHECKS else shown_order(shown)), "reason": cut_reason(reason)})
    return accepted
