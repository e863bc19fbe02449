"""Selling compute: spot offers in every region it sells from, bids on RFPs it can serve,
and sub-contracts for the internal demand it cannot serve itself."""

from __future__ import annotations

import math

from ...model import orders as o
from ...model.view import CompanyView
from .market import Market

SUBCONTRACT_PRICE_FACTOR = 1.1  # × the price index: the most it pays a sub-contractor


def offers(v: CompanyView, regions: set[str], price_factor: float) -> list[o.OfferCompute]:
    price = round(v.price_index * price_factor, 4)
    return [o.OfferCompute(rid, price) for rid in sorted(regions)] if price > 0 else []


def headroom(v: CompanyView) -> float:
    """H100e of own capacity each H100e of its own demand takes: the demand itself plus the
    headroom the compute market holds beside it (`internal_headroom_fraction`)."""
    return 1 + v.scenario.demand.internal_headroom_fraction


def own_serving_h100e(v: CompanyView) -> float:
    """How much of its own demand its capacity can serve, headroom held beside it."""
    return v.me.capacity_h100e / headroom(v)


def free_h100e(v: CompanyView, capacity: float | None = None) -> float:
    """Capacity it may still commit: what it runs, less its contracts and its own demand with
    the headroom that demand holds."""
    me = v.me
    capacity = me.capacity_h100e if capacity is None else capacity
    return capacity - sum(k.h100e for k in me.contracts) - me.internal_demand_h100e * headroom(v)


RIVAL_UNDERCUT_USD = 0.01  # per H100e-hour: how far below a rival's winning RFP price it bids


def rival_rfp_price(v: CompanyView) -> float | None:
    """The lowest price a rival won a market training RFP at last quarter (public), if any."""
    return min((price for winner, price in Market.of(v).rfp_wins.items() if winner != v.me.id), default=None)


def rfp_bids(v: CompanyView, largest_mw: float, price_factor: float, free: float | None = None, floor: float | None = None) -> list[o.BidRfp]:
    """The best-paying RFPs it qualifies for and has room for, each at a share of its ceiling.

    With a `floor` (what its capacity would earn on the spot market instead, per H100e-hour)
    it competes: where a rival won last quarter below its share of the ceiling, it bids a
    cent under that rival, but never under the floor (nor above its share). Contract prices
    so fall toward what the capacity earns anyway, and no fixed discount wins every tender."""
    free = free_h100e(v) if free is None else free
    rival = rival_rfp_price(v) if floor is not None else None
    out = []
    for r in Market.of(v).rfps_by_price:
        if r.customer == v.me.id or r.min_site_mw > largest_mw or r.h100e > free:
            continue
        price = r.max_price_usd_per_h100e_hour * price_factor
        if rival is not None:  # it only ever lowers its bid
            price = min(price, max(floor, rival - RIVAL_UNDERCUT_USD))
        price = math.floor(price * 1e4) / 1e4
        if price > 0:
            out.append(o.BidRfp(r.id, price))
            free -= r.h100e
    return out


def subcontract(v: CompanyView, share: float, quarters: int, price_factor: float = SUBCONTRACT_PRICE_FACTOR) -> o.Subcontract | None:
    """Put a share of the internal demand its own capacity and sub-contracts leave unserved out to tender."""
    me = v.me
    if "subcontract" not in me.special_moves or me.internal_demand_h100e <= 0:
        return None
    own = own_serving_h100e(v)
    gap = me.internal_demand_h100e - own - sum(k.h100e for k in me.subcontracts)
    h100e = math.floor(min(gap * share, me.internal_demand_h100e) * 10) / 10
    price = round(v.price_index * price_factor, 4)
    if h100e < 1 or price <= 0:
        return None
    return o.Subcontract(h100e, min(quarters, v.scenario.demand.training.contract_quarters_max * 2), price)
