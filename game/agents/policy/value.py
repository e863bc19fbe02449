"""What capacity is worth to the score: the margin an H100e earns a quarter, counted to the end
of the game and then as the score counts a fleet (engine.scoring.annuity)."""

from __future__ import annotations

from ...engine.scoring import OPERATING
from . import compute
from ...model.view import CompanyView, GenerationView, RegionView
from .market import Market


def margin_musd_per_h100e(v: CompanyView) -> float:
    """What one of its H100e earned last quarter after running costs; before it has any
    capacity, what the market price pays for the share of capacity its archetype sells."""
    me, spec = v.me, v.scenario
    pnl = v.last_private.pnl if v.last_private is not None else {}
    if me.capacity_h100e > 0 and pnl:
        return sum(x for k, x in pnl.items() if k in OPERATING) / me.capacity_h100e
    # an H100e sold on demand is busy a load factor of the time (the compute market's rule)
    return v.price_index * spec.rules.hours_per_quarter * spec.demand.spot_load_factor / 1e6


class Outlook:
    """One company's economics this quarter, worked out once for every policy that asks: its
    margin per H100e and what a MW is worth where, on the quarter's public Market (today's best
    chips per kind of hall, running costs)."""

    def __init__(self, v: CompanyView):
        self.v = v
        spec = v.scenario
        self.market = m = Market.of(v)
        self.best = m.best
        self.usual_cost = m.usual_cost
        self.annuity = m.annuity
        # What one more H100e would earn: its own average margin, but no more than the market
        # pays for the share of capacity its archetype sells (its own demand is already served
        # by what it runs, so new capacity earns at market prices)
        me = v.me
        load = spec.demand.spot_load_factor  # share of the time an H100e sold on demand is busy
        hours = spec.rules.hours_per_quarter
        # what an H100e-hour of capacity earns on the spot market, busy a load factor of the time
        self.spot_usd_per_h100e_hour = v.price_index * load * m.spot_sell_through
        market = self.spot_usd_per_h100e_hour * hours / 1e6 - self.usual_cost
        self.margin = min(margin_musd_per_h100e(v), market)
        # while its own demand outgrows what it runs, one more H100e serves that demand at its value
        unserved = me.internal_demand_h100e - compute.own_serving_h100e(v) - sum(k.h100e for k in me.subcontracts)
        if unserved > 0 and me.id in spec.companies:
            internal = v.price_index * spec.companies[me.id].internal_value_multiple * hours * load / 1e6 - self.usual_cost
            self.margin = max(self.margin, internal)
        self._per_region: dict[str, dict[str, tuple[float, float]]] = {}  # region -> _terms

    def on_sale(self, liquid: bool, restricted: bool = False) -> tuple[GenerationView, ...]:
        """Merchant generations on sale now that a hall of this kind may host, best value first
        (the quarter's Market sorts them once for every company)."""
        return self.market.on_sale[liquid, restricted]

    def earning_quarters(self, online_quarter: int) -> float:
        """Quarters of margin capacity online from `online_quarter` is worth: those left in the
        game, then the fleet value the score gives it at the end (engine.scoring.annuity). While
        the market is forecast to shrink, each later quarter earns less, in step with demand."""
        v = self.v
        left = max(0, v.quarters_total - online_quarter)
        growth = v.scenario.demand.growth_per_quarter(v.quarter, v.quarters_total)
        if growth >= 0:
            return left + self.annuity
        step = 1 + growth  # a quarter's margin as a share of the one before
        ahead = max(0, online_quarter - v.quarter)
        return step**ahead * (sum(step**t for t in range(left)) + step**left * self.annuity)

    def best_for(self, cooling: str) -> GenerationView | None:
        return self.market.best_for(cooling)

    def h100e_per_mw(self, cooling: str) -> float:
        """H100e one grid MW can host with today's best chips in this cooling."""
        return self.market.filled[cooling][0]

    def build_cost_musd_per_mw(self, r: RegionView, cooling: str) -> float:
        """A grid MW built out and filled with today's best chips: the hall and the accelerators."""
        return self.market.build_cost_musd_per_mw(r, cooling)

    def _terms(self, r: RegionView) -> dict[str, tuple[float, float]]:
        """By cooling: what a grid MW in r earns a quarter, and what building and filling it costs."""
        hit = self._per_region.get(r.id)
        if hit is None:
            hit = self._per_region[r.id] = {}
            for kind, hall in self.market.halls[r.id]:
                if hall is None:
                    hit[kind] = (0.0, 0.0)  # no chips to fill it: worth nothing
                else:
                    h100e_per_mw, running_musd_per_h100e, build_musd_per_mw = hall
                    hit[kind] = (h100e_per_mw * (self.margin - running_musd_per_h100e + self.usual_cost), build_musd_per_mw)
        return hit

    def mw_value_musd(self, r: RegionView, cooling: str, online_quarter: int) -> float:
        """What a grid MW in region r, online in `online_quarter`, adds to the score before its
        power is paid for: the margin it earns less building and filling it."""
        earns_musd_per_quarter, build_musd = self._terms(r)[cooling]
        return earns_musd_per_quarter * self.earning_quarters(online_quarter) - build_musd

    def hall(self, r: RegionView, cooling: str, online_quarter: int) -> tuple[str, float]:
        """The cooling a hall in r gets and what a grid MW of it online in `online_quarter` adds to
        the score before its power is paid for (mw_value_musd). With cooling "best", the kind that
        adds the most (the first in name order on a tie): a lower PUE puts more chips on the same
        scarce MW, a dearer hall costs more, air cannot host liquid-only chips."""
        if cooling != "best":
            return cooling, self.mw_value_musd(r, cooling, online_quarter)
        quarters = self.earning_quarters(online_quarter)
        best, most = "", 0.0
        for kind, (earns_musd_per_quarter, build_musd) in self._terms(r).items():
            value = earns_musd_per_quarter * quarters - build_musd
            if not best or value > most:
                best, most = kind, value
        return best, most
