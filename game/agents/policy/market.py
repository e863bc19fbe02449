"""The quarter's public facts every policy reads, worked out once a quarter for all companies:
the chips on sale for each kind of hall, each cooling's chips per MW, what running an H100e
costs in each region and cooling, when power bought now in each region would come online, the
RFPs open best-paying first, and what last quarter's public report says of the compute market
(spot sell-through, RFP wins).

Every company's view of a quarter holds the same public objects (regions, generations, the
rules), so the first company to ask makes the reading and the others reuse it. It is built
from public facts only and never changes once made: sharing it tells no company anything
about another."""

from __future__ import annotations

from ...engine.scoring import annuity
from ...model.view import CompanyView, GenerationView, ReadOnlyDict, RegionView


def value_first(g: GenerationView) -> tuple[float, str]:
    return -g.performance_h100e * g.ecosystem_factor / max(g.list_price_musd, 1e-6), g.id


def merchant_on_sale(v: CompanyView) -> list[GenerationView]:
    """Merchant generations on sale now, best value first."""
    return sorted((g for g in v.generations if g.released and g.in_production and not g.custom and g.supply_units > 0), key=value_first)


CONSTRUCTION_QUARTERS = 2  # a hall's construction with the crews it needs


def online_quarter(v: CompanyView, r: RegionView) -> int:
    """When power bought now in r would feed an online hall: the expected queue (the permit
    runs while it waits), construction and commissioning."""
    wait = (r.queue_wait_quarters_min + r.queue_wait_quarters_max + 1) // 2
    return v.quarter + max(wait, r.permitting_quarters) + CONSTRUCTION_QUARTERS + v.scenario.rules.commissioning_quarters


def spot_sell_through(v: CompanyView) -> float:
    """Share of the capacity offered on the spot market last quarter that sold (1 before any
    market has cleared, or if the market does not say)."""
    compute = v.last_public.markets.get("compute", {}) if v.last_public is not None else {}
    sold, idle = compute.get("spot_sold_h100e", 0.0), compute.get("idle_offered_h100e", 0.0)
    return sold / (sold + idle) if sold + idle > 0 else 1.0


def rfp_wins(v: CompanyView) -> dict[str, float]:
    """The lowest price each company won a market training RFP at last quarter (public)."""
    results = v.last_public.markets.get("compute", {}).get("rfps", ()) if v.last_public is not None else ()
    wins: dict[str, float] = {}
    for r in results:
        winner, price = r.get("winner"), r.get("price")
        if r.get("customer") == "market" and winner is not None and price:
            wins[winner] = min(wins.get(winner, price), price)
    return wins


def hosts(g: GenerationView, liquid: bool, restricted: bool) -> bool:
    """May a hall of this kind (liquid-cooled? in an export-restricted region?) host g?"""
    return (liquid or not g.liquid_only) and not (restricted and g.export_controlled)


def running_cost_musd_per_h100e(v: CompanyView, r: RegionView, cooling: str, gen: GenerationView) -> float:
    """Power and site operations for one H100e of `gen` for a quarter, in region r."""
    rules = v.scenario.rules
    it_mw = gen.power_kw / gen.performance_h100e / 1000
    pue = v.scenario.cooling[cooling].pue
    return it_mw * (pue * rules.hours_per_quarter * r.power_price_usd_per_mwh / 1e6 + rules.opex_musd_per_it_mw_quarter)


class Market:
    """One quarter's public reading (Market.of(view) reuses it across the companies' views).
    Its tables are read-only: what one company's policy does with them cannot reach another's."""

    def __init__(self, v: CompanyView):
        spec = v.scenario
        # what the reading is made of: a view holding these same objects reads the same market (made_from)
        self.made_of = (v.quarter, v.generations, v.regions, v.rfps, v.last_public, spec.cooling, spec.rules, spec.scoring)
        self.regions = ReadOnlyDict({r.id: r for r in v.regions})
        self.generations = ReadOnlyDict({g.id: g for g in v.generations})
        self.restricted = ReadOnlyDict({r.id: r.export_restricted for r in v.regions})
        self.kinds = tuple(sorted(spec.cooling))
        self.hosts_liquid = ReadOnlyDict({kind: c.hosts_liquid_only for kind, c in spec.cooling.items()})
        self.liquid_kinds = frozenset(k for k, hosts_liquid in self.hosts_liquid.items() if hosts_liquid)
        # what each kind of hall may buy, filtered from one sorted list (a subset of a sorted list is sorted)
        merchant = merchant_on_sale(v)
        self.on_sale = ReadOnlyDict({(liquid, restricted): tuple(g for g in merchant if hosts(g, liquid, restricted)) for liquid in (True, False) for restricted in (False, True)})
        self.best = ReadOnlyDict({liquid: next(iter(self.on_sale[liquid, False]), None) for liquid in (True, False)})
        # per kind of hall: H100e a grid MW hosts with today's best chips, and what those chips cost
        self.filled = ReadOnlyDict({kind: self._fill(v, kind) for kind in self.kinds})
        # by region, a hall of each kind filled with the best chips it may host: H100e per grid MW,
        # running one H100e a quarter, building and filling a grid MW (None: no chips to fill it)
        self.halls = ReadOnlyDict({r.id: tuple((kind, self._hall(v, r, kind)) for kind in self.kinds) for r in v.regions})
        # the running cost already inside a company's own margin, taken as that of an average region in
        # the usual cooling, so that regions compare by what their power costs above or below it
        self.usual = usual = "liquid" if "liquid" in spec.cooling else self.kinds[0]
        best = self.best[True]
        self.usual_cost = sum(running_cost_musd_per_h100e(v, r, usual, best) for r in v.regions) / len(v.regions) if best else 0.0
        self.annuity = annuity(spec.scoring)
        # when power bought now in each region would feed an online hall
        self.online_quarter = ReadOnlyDict({r.id: online_quarter(v, r) for r in v.regions})
        # the RFPs open now, best-paying first
        self.rfps_by_price = tuple(sorted(v.rfps, key=lambda r: (-r.max_price_usd_per_h100e_hour, r.id)))
        # last quarter's compute market as the public report tells it
        self.spot_sell_through = spot_sell_through(v)
        self.rfp_wins = ReadOnlyDict(rfp_wins(v))

    @staticmethod
    def of(v: CompanyView) -> Market:
        """The market this view reads: the last one made, if it was made of the same objects
        (as every company's view of a quarter is; the objects are read-only)."""
        global _last
        last = _last  # (the view last asked about, its market), swapped whole so threads never mix the two
        if last is not None and last[0] is v:  # a policy asking again about the same view
            return last[1]
        m = last[1] if last is not None and last[1].made_from(v) else Market(v)
        _last = (v, m)
        return m

    def made_from(self, v: CompanyView) -> bool:
        quarter, generations, regions, rfps, last_public, cooling, rules, scoring = self.made_of
        spec = v.scenario
        return (
            quarter == v.quarter and generations is v.generations and regions is v.regions and rfps is v.rfps and last_public is v.last_public
            and cooling is spec.cooling and rules is spec.rules and scoring is spec.scoring
        )

    def best_for(self, cooling: str) -> GenerationView | None:
        return self.best[self.hosts_liquid[cooling]]

    def build_cost_musd_per_mw(self, r: RegionView, cooling: str) -> float:
        """A grid MW built out and filled with today's best chips: the hall and the accelerators."""
        return r.capex_musd_per_mw[cooling] + self.filled[cooling][1]

    def _hall(self, v: CompanyView, r: RegionView, cooling: str) -> tuple[float, float, float] | None:
        best = self.best_for(cooling)
        if best is None:
            return None
        return self.filled[cooling][0], running_cost_musd_per_h100e(v, r, cooling, best), self.build_cost_musd_per_mw(r, cooling)

    def _fill(self, v: CompanyView, cooling: str) -> tuple[float, float]:
        best = self.best_for(cooling)
        if best is None:
            return 1000.0, 0.0
        per_mw = 1000 / (best.power_kw * v.scenario.cooling[cooling].pue)
        return per_mw * best.performance_h100e, per_mw * max(best.list_price_musd, best.last_spot_price_musd)


_last: tuple[CompanyView, Market] | None = None
