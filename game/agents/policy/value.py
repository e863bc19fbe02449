"""What capacity is worth to the score: the margin an H100e earns a quarter, counted to the end
of the game and then as the score counts a fleet (engine.scoring.annuity)."""

from __future__ import annotations

from ...engine.scoring import OPERATING, annuity
from . import compute
from ...model.view import CompanyView, GenerationView, RegionView


def running_cost_musd_per_h100e(v: CompanyView, r: RegionView, cooling: str, gen: GenerationView) -> float:
    """Power and site operations for one H100e of `gen` for a quarter, in region r."""
    rules = v.scenario.rules
    it_mw = gen.power_kw / gen.performance_h100e / 1000
    pue = v.scenario.cooling[cooling].pue
    return it_mw * (pue * rules.hours_per_quarter * r.power_price_usd_per_mwh / 1e6 + rules.opex_musd_per_it_mw_quarter)


def margin_musd_per_h100e(v: CompanyView) -> float:
    """What one of its H100e earned last quarter after running costs; before it has any
    capacity, what the market price pays for the share of capacity its archetype sells."""
    me, spec = v.me, v.scenario
    pnl = v.last_private.pnl if v.last_private is not None else {}
    if me.capacity_h100e > 0 and pnl:
        return sum(x for k, x in pnl.items() if k in OPERATING) / me.capacity_h100e
    # an H100e sold on demand is busy a load factor of the time (the compute market's rule)
    return v.price_index * spec.rules.hours_per_quarter * spec.demand.spot_load_factor / 1e6


def spot_sell_through(v: CompanyView) -> float:
    """Share of the capacity offered on the spot market last quarter that sold (1 before any
    market has cleared, or if the market does not say)."""
    compute = v.last_public.markets.get("compute", {}) if v.last_public is not None else {}
    sold, idle = compute.get("spot_sold_h100e", 0.0), compute.get("idle_offered_h100e", 0.0)
    return sold / (sold + idle) if sold + idle > 0 else 1.0


def earning_quarters(v: CompanyView, online_quarter: int) -> float:
    """Quarters of margin capacity online from `online_quarter` is worth: those left in the
    game, then the fleet value the score gives it at the end."""
    return max(0, v.quarters_total - online_quarter) + annuity(v.scenario.scoring)


class Outlook:
    """One company's economics this quarter, worked out once for every policy that asks:
    today's best chips per kind of hall, its margin per H100e, what a MW is worth where."""

    def __init__(self, v: CompanyView):
        from .chips import on_sale

        self.v = v
        spec = v.scenario
        self.best = {liquid: next(iter(on_sale(v, liquid)), None) for liquid in (True, False)}
        self.hosts_liquid = {kind: c.hosts_liquid_only for kind, c in spec.cooling.items()}
        # the running cost already inside its own margin, taken as that of an average region in
        # the usual cooling, so that regions compare by what their power costs above or below it
        usual = "liquid" if "liquid" in spec.cooling else sorted(spec.cooling)[0]
        best = self.best[True]
        self.usual_cost = sum(running_cost_musd_per_h100e(v, r, usual, best) for r in v.regions) / len(v.regions) if best else 0.0
        # What one more H100e would earn: its own average margin, but no more than the market
        # pays for the share of capacity its archetype sells (its own demand is already served
        # by what it runs, so new capacity earns at market prices)
        me = v.me
        load = spec.demand.spot_load_factor  # share of the time an H100e sold on demand is busy
        hours = spec.rules.hours_per_quarter
        # what an H100e-hour of capacity earns on the spot market, busy a load factor of the time
        self.spot_usd_per_h100e_hour = v.price_index * load * spot_sell_through(v)
        market = self.spot_usd_per_h100e_hour * hours / 1e6 - self.usual_cost
        self.margin = min(margin_musd_per_h100e(v), market)
        # while its own demand outgrows what it runs, one more H100e serves that demand at its value
        unserved = me.internal_demand_h100e - compute.own_serving_h100e(v) - sum(k.h100e for k in me.subcontracts)
        if unserved > 0 and me.id in spec.companies:
            internal = v.price_index * spec.companies[me.id].internal_value_multiple * hours * load / 1e6 - self.usual_cost
            self.margin = max(self.margin, internal)
        self.annuity = annuity(spec.scoring)
        self._values: dict[tuple, float] = {}

    def earning_quarters(self, online_quarter: int) -> float:
        """earning_quarters, with the annuity worked out once."""
        return max(0, self.v.quarters_total - online_quarter) + self.annuity

    def best_for(self, cooling: str) -> GenerationView | None:
        return self.best[self.hosts_liquid[cooling]]

    def h100e_per_mw(self, cooling: str) -> float:
        """H100e one grid MW can host with today's best chips in this cooling."""
        best = self.best_for(cooling)
        return 1000 / (best.power_kw * self.v.scenario.cooling[cooling].pue) * best.performance_h100e if best else 1000.0

    def build_cost_musd_per_mw(self, r: RegionView, cooling: str) -> float:
        """A grid MW built out and filled with today's best chips: the hall and the accelerators."""
        best = self.best_for(cooling)
        per_mw = 1000 / (best.power_kw * self.v.scenario.cooling[cooling].pue) if best else 0.0
        return r.capex_musd_per_mw[cooling] + (per_mw * max(best.list_price_musd, best.last_spot_price_musd) if best else 0.0)

    def mw_value_musd(self, r: RegionView, cooling: str, online_quarter: int) -> float:
        """What a grid MW in region r, online in `online_quarter`, adds to the score before its
        power is paid for: the margin it earns less building and filling it."""
        key = (r.id, cooling, online_quarter)
        hit = self._values.get(key)
        if hit is None:
            best = self.best_for(cooling)
            if best is None:
                hit = 0.0
            else:
                margin = self.margin - running_cost_musd_per_h100e(self.v, r, cooling, best) + self.usual_cost
                hit = self.h100e_per_mw(cooling) * margin * self.earning_quarters(online_quarter) - self.build_cost_musd_per_mw(r, cooling)
            self._values[key] = hit
        return hit

    def best_cooling(self, r: RegionView, online_quarter: int) -> str:
        """The cooling whose hall adds the most to the score per grid MW: a lower PUE puts more
        chips on the same scarce MW, a dearer hall costs more, air cannot host liquid-only chips."""
        return max(sorted(self.v.scenario.cooling), key=lambda kind: self.mw_value_musd(r, kind, online_quarter))
