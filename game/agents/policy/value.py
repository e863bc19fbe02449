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
        from .chips import hosts, merchant_on_sale

        self.v = v
        spec = v.scenario
        # chips.on_sale for each kind of hall, filtered from one sorted list (a subset of a sorted list is sorted)
        merchant = merchant_on_sale(v)
        self._on_sale = {(liquid, restricted): [g for g in merchant if hosts(g, liquid, restricted)] for liquid in (True, False) for restricted in (False, True)}
        self.best = {liquid: next(iter(self._on_sale[liquid, False]), None) for liquid in (True, False)}
        self.hosts_liquid = {kind: c.hosts_liquid_only for kind, c in spec.cooling.items()}
        self.kinds = sorted(spec.cooling)
        # the running cost already inside its own margin, taken as that of an average region in
        # the usual cooling, so that regions compare by what their power costs above or below it
        usual = "liquid" if "liquid" in spec.cooling else self.kinds[0]
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
        # per kind of hall: H100e a grid MW hosts with today's best chips, and what those chips cost
        self._filled = {kind: self._fill(kind) for kind in self.kinds}
        self._per_region: dict[tuple[str, str], tuple[float, float]] = {}  # (region, cooling) -> (what a MW earns a quarter, building and filling it)
        self._best_cooling: dict[tuple[str, int], str] = {}

    def _fill(self, cooling: str) -> tuple[float, float]:
        best = self.best_for(cooling)
        if best is None:
            return 1000.0, 0.0
        per_mw = 1000 / (best.power_kw * self.v.scenario.cooling[cooling].pue)
        return per_mw * best.performance_h100e, per_mw * max(best.list_price_musd, best.last_spot_price_musd)

    def on_sale(self, liquid: bool, restricted: bool = False) -> list[GenerationView]:
        """chips.on_sale for this view: sorted once, however often a policy asks."""
        return self._on_sale[liquid, restricted]

    def earning_quarters(self, online_quarter: int) -> float:
        """earning_quarters, with the annuity worked out once."""
        return max(0, self.v.quarters_total - online_quarter) + self.annuity

    def best_for(self, cooling: str) -> GenerationView | None:
        return self.best[self.hosts_liquid[cooling]]

    def h100e_per_mw(self, cooling: str) -> float:
        """H100e one grid MW can host with today's best chips in this cooling."""
        return self._filled[cooling][0]

    def build_cost_musd_per_mw(self, r: RegionView, cooling: str) -> float:
        """A grid MW built out and filled with today's best chips: the hall and the accelerators."""
        return r.capex_musd_per_mw[cooling] + self._filled[cooling][1]

    def mw_value_musd(self, r: RegionView, cooling: str, online_quarter: int) -> float:
        """What a grid MW in region r, online in `online_quarter`, adds to the score before its
        power is paid for: the margin it earns less building and filling it."""
        terms = self._per_region.get((r.id, cooling))
        if terms is None:
            best = self.best_for(cooling)
            if best is None:
                terms = (0.0, 0.0)  # no chips to fill it: worth nothing
            else:
                margin = self.margin - running_cost_musd_per_h100e(self.v, r, cooling, best) + self.usual_cost
                terms = (self.h100e_per_mw(cooling) * margin, self.build_cost_musd_per_mw(r, cooling))
            self._per_region[r.id, cooling] = terms
        earns_musd_per_quarter, build_musd = terms
        return earns_musd_per_quarter * self.earning_quarters(online_quarter) - build_musd

    def best_cooling(self, r: RegionView, online_quarter: int) -> str:
        """The cooling whose hall adds the most to the score per grid MW: a lower PUE puts more
        chips on the same scarce MW, a dearer hall costs more, air cannot host liquid-only chips."""
        key = (r.id, online_quarter)
        hit = self._best_cooling.get(key)
        if hit is None:
            hit = self._best_cooling[key] = max(self.kinds, key=lambda kind: self.mw_value_musd(r, kind, online_quarter))
        return hit
