"""Building: which power to build on and with which cooling, the crews to finish every site
(fractions of a crew too), retrofits and the crew-training commons."""

from __future__ import annotations

import math

from ...model import orders as o
from ...model.view import CompanyView, RegionView
from .holdings import Holdings, liquid_kinds
from .market import CONSTRUCTION_QUARTERS, Market
from .value import Outlook

WAGE_MARKUP = 1.15  # × the higher of the reserve and the last clearing wage
POOL_SHARE = 0.6  # most of a region's crews one company asks for
SMALLEST_SITE_MW = 5.0  # power below this (a sliver of a partly filled bid) is not worth a hall


def sites_to_start(v: CompanyView, h: Holdings, cooling: str, outlook: Outlook, *, fast_track: bool, lead_quarters: int, smallest_mw: float = SMALLEST_SITE_MW) -> list[o.StartSite]:
    """A site on each free power source big enough for a hall whose chips would earn more
    than the hall and the chips cost (the power is already paid for), once its permit would
    land about when the power does: earlier ties up nothing useful, later wastes the power.
    `cooling` may be "best" (Outlook.hall picks the kind for the region)."""
    fast = fast_track and "fast_track" in v.me.special_moves
    factor = v.scenario.rules.fast_track_permit_factor if fast else 1.0
    regions = Market.of(v).regions
    out = []
    for p in h.unsited:
        if p.mw < smallest_mw:
            continue
        r = regions[p.region]
        if p.energised or p.ready_quarter - v.quarter <= r.permitting_quarters * factor + lead_quarters:
            online = max(v.quarter + r.permitting_quarters, p.ready_quarter) + CONSTRUCTION_QUARTERS + v.scenario.rules.commissioning_quarters
            kind, value = outlook.hall(r, cooling, online)
            if value > 0:
                out.append(o.StartSite(p.id, kind, fast))
    return out


def wage(r: RegionView, markup: float = WAGE_MARKUP) -> float:
    return round(max(r.wage_reserve_musd, r.last_wage_musd) * markup, 4)


def crew_bid(r: RegionView, need: float, budget: float, markup: float = WAGE_MARKUP) -> o.BidCrews | None:
    """The crews a region's sites need, rounded up to a hundredth so the last MW gets built,
    as many as the pool spares and the budget pays for."""
    price = wage(r, markup)
    if price <= 0:
        return None
    crews = min(math.ceil(need * 100) / 100, r.crews_pool * POOL_SHARE, math.floor(budget / price * 100) / 100)
    return o.BidCrews(r.id, round(crews, 2), price) if crews >= 0.01 else None


def crew_bids(v: CompanyView, h: Holdings, budget: float, markup: float = WAGE_MARKUP) -> list[o.BidCrews]:
    regions = Market.of(v).regions
    out = []
    for rid, need in sorted(h.crews_needed.items()):
        x = crew_bid(regions[rid], need, budget, markup)
        if x is not None:
            out.append(x)
            budget -= x.crews * x.wage_musd
    return out


def training(v: CompanyView, h: Holdings, budget: float, *, wage_trigger: float, crews: float) -> list[o.FundTraining]:
    """Fund a crew-training programme (a commons: every builder in the region gains) where
    wages have run far above the floor and it still has halls to build there."""
    spec = v.scenario
    regions = Market.of(v).regions
    out = []
    for rid in sorted(h.building):
        r = regions[rid]
        if r.last_wage_musd > r.wage_reserve_musd * wage_trigger and v.quarters_left > spec.regions[rid].training_lead_quarters + 2:
            musd = round(spec.regions[rid].training_musd_per_crew * crews, 2)
            if 0.01 <= musd < budget:
                out.append(o.FundTraining(rid, musd))
                budget -= musd
    return out


def retrofit_capex(v: CompanyView, grid_mw: float, cooling: str) -> float:
    """What refitting a hall of `grid_mw` to `cooling` costs: per MW of the IT load it will host."""
    return grid_mw / v.scenario.cooling[cooling].pue * v.scenario.rules.retrofit_capex_musd_per_it_mw


def retrofit(v: CompanyView, h: Holdings, budget: float, cooling: str) -> o.RetrofitCooling | None:
    """Retrofit its largest empty air hall when liquid-only chips wait for a home."""
    spec = v.scenario
    if not (h.waiting_liquid and h.empty_air and v.quarters_left > spec.rules.retrofit_quarters + 2):
        return None
    kinds = sorted(liquid_kinds(v))
    if not kinds:
        return None
    s = max(h.empty_air, key=lambda s: (s.mw, s.id))
    if retrofit_capex(v, s.mw, cooling if cooling in kinds else kinds[0]) >= budget:
        return None
    return o.RetrofitCooling(s.id, cooling if cooling in kinds else kinds[0])
