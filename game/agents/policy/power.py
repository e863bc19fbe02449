"""Power: grid interconnect bids where the long game pays, gas turbines, powered-site lots."""

from __future__ import annotations

import math
from typing import Callable

from ...model import orders as o
from ...model.view import CompanyView, RegionView
from .market import Market
from .value import Outlook

BID_MARKUP = 1.25  # × the higher of the reserve and the last clearing price
SMALLEST_BID_MW = 5.0  # a grid bid smaller than this would make a sliver of a hall


def bid_price(r: RegionView, markup: float = BID_MARKUP) -> float:
    """A grid bid: the last clearing price (or the reserve, if higher) marked up."""
    return round(max(r.grid_reserve_price_musd_per_mw, r.last_grid_price_musd_per_mw) * markup, 4)


def grid_bids(
    v: CompanyView,
    want_mw: float,
    budget: float,
    preference: Callable[[RegionView], float],
    *,
    price_of: Callable[[RegionView], float],
    region_share: float,
    block_mw: float,
) -> list[o.BidInterconnect]:
    """Bids for want_mw across the regions releasing power, most preferred (lowest) first, each
    at its price_of, at least block_mw (a smaller campus is not worth a hall) and within the budget."""
    # by preference, then region id (ids are unique, so the regions themselves are never compared)
    ranked = sorted([(preference(r), r.id, r) for r in v.regions if not r.moratorium and r.grid_release_mw > 0])
    # no company may win more than the rules' share of a region's release: bid for no more there
    region_share = min(region_share, v.scenario.rules.interconnect_share_max)
    bids = []
    for pref, _, r in ranked:
        if want_mw < SMALLEST_BID_MW or budget <= 0:
            break
        if not math.isfinite(pref):
            continue
        price = price_of(r)
        if price < r.grid_reserve_price_musd_per_mw or price <= 0:
            continue  # its ceiling is below the reserve
        # a region releasing less than a block a quarter is still worth all it releases
        block = max(SMALLEST_BID_MW, min(block_mw, r.grid_release_mw * region_share))
        mw = math.floor(min(max(block, want_mw), r.grid_release_mw * region_share, v.scenario.rules.max_site_mw, budget / price) * 10) / 10
        if mw >= block:
            bids.append(o.BidInterconnect(r.id, mw, price))
            want_mw -= mw
            budget -= mw * price
    return bids


def gas_bid(v: CompanyView, want_mw: float, budget: float, *, markup: float, region_share: float, block_mw: float) -> o.BidGasTurbines | None:
    """On-site gas turbines where they run cheapest, for what the grid cannot give soon enough."""
    gas = [r for r in v.regions if r.gas_allowed]
    if not gas or want_mw < block_mw:
        return None
    r = min(gas, key=lambda r: (r.power_price_usd_per_mwh, r.id))
    price = round(max(v.gas_reserve_price_musd_per_mw, v.last_gas_price_musd_per_mw) * markup, 4)
    mw = round(min(want_mw, v.gas_supply_mw * region_share, v.scenario.rules.max_site_mw), 1)
    if mw < block_mw or price <= 0 or mw * price >= budget:
        return None
    return o.BidGasTurbines(r.id, mw, price)


LOT_BID_MARKUP = 1.05


def lot_bid_musd(reserve_musd: float, markup: float = LOT_BID_MARKUP) -> float:
    """A lot bid: the reserve marked up, to the cent and never under the reserve."""
    bid = max(0.01, math.ceil(reserve_musd * max(1.0, markup) * 100) / 100)
    if bid < reserve_musd:  # the float behind a whole number of cents can sit just under it
        bid = round(bid + 0.01, 2)
    return bid


def lot_bids(outlook: Outlook, budget: float, markup: float, max_usd_per_mwh: float = math.inf, must_pay: bool = True, budget_share: float = 0.5) -> list[o.BidLot]:
    """Powered sites and halls on sale where power costs no more than max_usd_per_mwh (and,
    if must_pay, that earn more than the bid), while a bid takes at most budget_share of what is left."""
    v = outlook.v
    regions = Market.of(v).regions
    bids = []
    for lot in v.lots:
        if lot.kind not in ("powered_site", "site") or lot.seller == v.me.id:
            continue
        if lot.kind == "powered_site" and "distressed_sites" not in v.me.special_moves:
            continue
        r = regions[lot.region]
        bid = lot_bid_musd(lot.reserve_musd, markup)
        if r.power_price_usd_per_mwh > max_usd_per_mwh or (must_pay and lot.mw * outlook.mw_value_musd(r, "liquid", v.quarter + r.permitting_quarters + 2) <= bid):
            continue
        if bid < budget * budget_share:
            bids.append(o.BidLot(lot.id, bid))
            budget -= bid
    return bids
