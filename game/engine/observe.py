"""The one observer: builds each company's view from the state, with nothing it may not know."""

from __future__ import annotations

import math
from operator import attrgetter

from ..model.state import COMMISSIONING, CONSTRUCTION, ONLINE, PERMITTING, POWER, RETROFIT, Company, Site
from ..model.view import (
    AgreementView,
    CompanyView,
    ContractView,
    DeliveryView,
    GenerationView,
    LotView,
    MeView,
    PowerView,
    RegionView,
    RfpView,
    RivalView,
    SiteView,
)
from ..scenario import Scenario, quarter_offset
from .build import facility_capex_per_grid_mw
from .chips import generation_supply
from .core import GameCore
from .news import inference_share

_MW = attrgetter("mw")


# The wide records (regions, generations, a company's own figures, the view itself) are built
# with positional arguments, each commented with its field: a keyword call to an attrs __init__
# of twenty-odd fields costs more than building the record (tests/test_views.py keeps the
# comments in the classes' field order).


# (scenario, {quarter: {region: {cooling: capex $M/MW as the views show it}}}) for the last scenario seen
_capex_memo: tuple[Scenario | None, dict[int, dict[str, dict[str, float]]]] = (None, {})


def _capex(g: GameCore) -> dict[str, dict[str, float]]:
    """Each region's facility capex per cooling kind this quarter, rounded as the views show it.
    facility_capex depends on the scenario and the quarter alone, and rounding a float is slow, so
    the figures are kept for the last scenario seen: the games of a tournament work them out once.
    Read-only: each view gets copies."""
    global _capex_memo
    spec, by_quarter = _capex_memo
    if spec is not g.spec:
        spec, by_quarter = _capex_memo = (g.spec, {})
    hit = by_quarter.get(g.q)
    if hit is None:
        hit = by_quarter[g.q] = {rid: {kind: round(facility_capex_per_grid_mw(g, kind, rid), 4) for kind in spec.cooling} for rid in spec.regions}
    return hit


def _public_regions(g: GameCore) -> tuple[RegionView, ...]:
    out = []
    spec = g.spec
    capexes = _capex(g)
    mod = g.mod
    for rid, r in spec.regions.items():
        rs = g.world.regions[rid]
        extra = int(mod("queue_wait_add_quarters", rid, 0.0))
        moratorium = mod("moratorium", rid, 0.0) > 0
        out.append(
            RegionView(
                rid,  # id
                r.name,  # name
                r.latency_tier,  # latency_tier
                rs.power_price_usd_per_mwh * mod("power_price_multiplier", rid),  # power_price_usd_per_mwh
                r.queue_wait_quarters_min + extra,  # queue_wait_quarters_min
                r.queue_wait_quarters_max + extra,  # queue_wait_quarters_max
                0.0 if moratorium else r.grid_release_mw_per_quarter * mod("grid_release_multiplier", rid),  # grid_release_mw
                r.grid_reserve_price_musd_per_mw,  # grid_reserve_price_musd_per_mw
                rs.last_grid_price_musd_per_mw,  # last_grid_price_musd_per_mw
                rs.last_grid_mw,  # last_grid_mw
                rs.last_grid_bid_mw,  # last_grid_bid_mw
                rs.crews_pool * mod("crews_multiplier", rid),  # crews_pool
                rs.wage_reserve_musd,  # wage_reserve_musd
                rs.last_wage_musd,  # last_wage_musd
                r.permitting_quarters,  # permitting_quarters
                moratorium,  # moratorium
                r.export_restricted or mod("export_restricted", rid, 0.0) > 0,  # export_restricted
                r.gas_allowed,  # gas_allowed
                r.smr_allowed,  # smr_allowed
                dict(capexes[rid]),  # capex_musd_per_mw
                r.inference_demand_weight,  # inference_demand_weight
            )
        )
    return tuple(out)


def _public_generations(g: GameCore) -> tuple[GenerationView, ...]:
    spec, w = g.spec, g.world
    supply = generation_supply(g)
    committed: dict[str, int] = {}
    for c in g.alive():
        for a in c.agreements:
            committed[a.generation] = committed.get(a.generation, 0) + a.units_per_quarter
    out = []
    for gid, gen in spec.generations.items():
        gs = w.generations[gid]
        vendor = spec.vendors[gen.vendor]
        room = int(max(0.0, vendor.apa_max_share * supply.get(gid, 0) - committed.get(gid, 0)))
        released = g.released(gid)
        out.append(
            GenerationView(
                gid,  # id
                gen.name,  # name
                gen.vendor,  # vendor
                vendor.custom,  # custom
                gen.performance_h100e,  # performance_h100e
                gen.power_kw,  # power_kw
                gs.list_price_musd,  # list_price_musd
                gs.list_price_musd * (1 - vendor.apa_discount),  # apa_price_musd
                gen.liquid_only,  # liquid_only
                gen.export_controlled,  # export_controlled
                released,  # released
                g.in_production(gid),  # in_production
                g.release[gid] + int(g.mod("release_shift_quarters", gid, 0.0)),  # release_quarter
                gen.ecosystem_factor,  # ecosystem_factor
                supply.get(gid, 0),  # supply_units
                gs.last_spot_price_musd,  # last_spot_price_musd
                gs.last_spot_units,  # last_spot_units
                0 if vendor.custom else room,  # apa_room_units
            )
        )
    return tuple(out)


def _rival(g: GameCore, c: Company) -> RivalView:
    online_mw = pipeline_mw = h100e = 0.0
    for s in c.sites:
        if s.stage == ONLINE:
            online_mw += s.mw
            h100e += g.site_figures(s)[1]
        else:
            pipeline_mw += s.mw
    return RivalView(c.id, c.name, c.archetype, c.alive, online_mw, pipeline_mw, len(c.sites), h100e, sum(map(_MW, c.power)))


def _site(g: GameCore, c: Company, s: Site, power) -> SiteView:
    if s.stage == ONLINE:  # most sites, most quarters: unchanged since last quarter
        v = g._site_views.get(s.id)
        if v is None:
            v = g._site_views[s.id] = _site_view(g, s, "", s.online_quarter)
        return v
    spec, rules = g.spec, g.spec.rules
    p = power.get(s.power)
    t = g.q
    blocked = ""
    per_crew = rules.construction_mw_per_crew_quarter
    crews = c.crews.get(s.region, 0.0)
    if s.stage == PERMITTING:
        need = spec.regions[s.region].permitting_quarters
        if s.fast_track:
            need = math.ceil(need * rules.fast_track_permit_factor)
        left = max(0, need - s.stage_quarters)
        blocked = "moratorium" if g.mod("moratorium", s.region, 0.0) > 0 else f"permit ({left} quarters left)"
        t += left
    if s.stage in (PERMITTING, POWER) and p is not None and not p.energised:
        if s.stage == POWER:
            blocked = f"power (energises ~{g.label(p.ready_quarter)})"
        t = max(t, p.ready_quarter)
    expected = -1
    if s.stage in (PERMITTING, POWER, CONSTRUCTION):
        if s.stage == CONSTRUCTION and crews <= 0:
            blocked = "no crews"
        rate = per_crew * max(crews, 1.0)
        t += math.ceil(max(0.0, s.mw - s.built_mw) / rate) + rules.commissioning_quarters
        expected = t
    elif s.stage == COMMISSIONING:
        blocked = "commissioning"
        expected = g.q + max(0, rules.commissioning_quarters - s.stage_quarters)
    elif s.stage == RETROFIT:
        blocked = "retrofit"
        expected = g.q + max(0, rules.retrofit_quarters - s.stage_quarters)
    else:
        expected = s.online_quarter
    return _site_view(g, s, blocked, expected)


def _site_view(g: GameCore, s: Site, blocked: str, expected: int) -> SiteView:
    it_mw = g.site_it_mw(s)
    return SiteView(s.id, s.region, s.mw, s.cooling, s.stage, s.stage_quarters, s.built_mw, blocked, expected, dict(s.installed), it_mw - g.site_used_kw(s) / 1000, s.power, s.fast_track, it_mw)


def _sites(g: GameCore, c: Company) -> tuple[SiteView, ...]:
    """A company's sites. The engine's cache of SiteViews holds online sites only and drops a site
    whose chips, cooling or id change, so a hit is the view _site would return (one loop here
    rather than a call per site: most sites are online and unchanged)."""
    cached = g._site_views.get
    power = None
    out = []
    for s in c.sites:
        v = cached(s.id)
        if v is None:
            if power is None:
                power = {p.id: p for p in c.power}
            v = _site(g, c, s, power)
        out.append(v)
    return tuple(out)


def _powers(g: GameCore, c: Company) -> tuple[PowerView, ...]:
    """A company's power sources; each one's view is kept until it energises, slips or feeds a site."""
    made = g._power_views
    out = []
    for p in c.power:
        v = made.get(p.id)
        if v is None or v.energised != p.energised or v.site != p.site or v.ready_quarter != p.ready_quarter:
            v = made[p.id] = PowerView(p.id, p.kind, p.region, p.mw, p.ready_quarter, p.energised, p.site, p.price_usd_per_mwh)
        out.append(v)
    return tuple(out)


def _contract(k) -> ContractView:
    return ContractView(k.id, k.customer, k.supplier, k.h100e, k.price_usd_per_h100e_hour, k.quarters_left, k.kind)


def _me(g: GameCore, c: Company, subs: tuple[ContractView, ...]) -> MeView:
    equity = g.book_equity(c)
    assets = equity + c.debt_musd
    return MeView(
        c.id,  # id
        c.name,  # name
        c.archetype,  # archetype
        g.spec.archetypes[c.archetype].special_moves,  # special_moves
        c.cash_musd,  # cash_musd
        c.debt_musd,  # debt_musd
        g.debt_rate(c, assets),  # debt_rate
        g.borrow_headroom(c, assets),  # borrow_headroom_musd
        equity,  # book_equity_musd
        c.ownership,  # ownership
        c.covenant_breached,  # covenant_breached
        c.distress_quarters,  # distress_quarters
        _sites(g, c),  # sites
        _powers(g, c),  # power
        dict(c.inventory),  # inventory
        tuple([DeliveryView(d.quarter, d.generation, d.units) for d in c.deliveries]),  # deliveries
        tuple([AgreementView(a.id, a.generation, a.units_per_quarter, a.quarters_left, a.price_musd_per_unit) for a in c.agreements]),  # agreements
        tuple([_contract(k) for k in c.contracts]),  # contracts
        subs,  # subcontracts
        c.asic_quarters_funded,  # asic_quarters_funded
        c.asic_active,  # asic_active
        c.internal_demand_h100e,  # internal_demand_h100e
        c.outside_cash_flow_musd,  # outside_cash_flow_musd
        c.capacity_h100e,  # capacity_h100e
        c.used_h100e,  # used_h100e
        c.revenue_musd,  # revenue_musd
        c.net_income_musd,  # net_income_musd
        c.ebitda_musd,  # ebitda_musd
    )


class Observer:
    """Builds views; the public part is built once per quarter and shared by every company's view,
    and each company's view once per quarter, however often it is asked for (by an agent, an RL
    env, a screen): nothing changes between the news and the orders."""

    def __init__(self, g: GameCore):
        self.g = g
        self._quarter = -1
        self._public: dict = {}
        self._subcontracts: dict[str, tuple[ContractView, ...]] = {}
        self._views: dict[str, CompanyView] = {}
        self._smr_first = quarter_offset(g.spec.game.start, g.spec.power.smr.first_delivery)

    def _refresh(self) -> None:
        g = self.g
        if self._quarter == g.q and self._public:
            return
        w, spec = g.world, g.spec
        self._quarter = g.q
        self._views = {}
        self._public = dict(
            regions=_public_regions(g),
            generations=_public_generations(g),
            rfps=tuple(RfpView(r.id, r.customer, r.h100e, r.quarters, r.min_site_mw, r.min_release, r.max_price_usd_per_h100e_hour) for r in w.rfps),
            lots=tuple(
                LotView(
                    lt.id,
                    lt.kind,
                    lt.region,
                    lt.mw,
                    lt.reserve_musd,
                    lt.seller,
                    lt.site.stage if lt.site is not None else "",
                    sum(lt.site.installed.values()) if lt.site is not None else sum(k.units for k in lt.chips),
                    lt.quarters_left,
                )
                for lt in w.lots
            ),
            rivals=tuple(_rival(g, c) for c in w.companies.values()),
            news=tuple(w.news),
            label=g.label(),
            demand_h100e=w.demand_h100e * g.mod("demand_multiplier"),
            inference_share=inference_share(g),
        )
        subs: dict[str, list[ContractView]] = {}
        for x in w.companies.values():
            for k in x.contracts:
                if k.customer in w.companies:
                    subs.setdefault(k.customer, []).append(_contract(k))
        self._subcontracts = {cid: tuple(ks) for cid, ks in subs.items()}

    def invalidate(self) -> None:
        self._public = {}

    def view(self, cid: str, last_public, last_private) -> CompanyView:
        self._refresh()
        hit = self._views.get(cid)
        if hit is None:
            hit = self._views[cid] = self._build(cid, last_public, last_private)
        return hit

    def _build(self, cid: str, last_public, last_private) -> CompanyView:
        g = self.g
        w, spec = g.world, g.spec
        c = w.companies[cid]
        pub = self._public
        return CompanyView(
            spec,  # scenario
            g.q,  # quarter
            pub["label"],  # quarter_label
            spec.game.quarters,  # quarters_total
            w.price_index,  # price_index
            pub["demand_h100e"],  # demand_h100e
            pub["inference_share"],  # inference_share
            w.gas_supply_mw,  # gas_supply_mw
            spec.power.gas.reserve_price_musd_per_mw,  # gas_reserve_price_musd_per_mw
            w.last_gas_price_musd_per_mw,  # last_gas_price_musd_per_mw
            self._smr_first,  # smr_first_delivery_quarter
            _me(g, c, self._subcontracts.get(cid, ())),  # me
            tuple([r for r in pub["rivals"] if r.id != cid]),  # rivals
            pub["regions"],  # regions
            pub["generations"],  # generations
            pub["rfps"],  # rfps
            pub["lots"],  # lots
            pub["news"],  # news
            last_public,  # last_public
            last_private,  # last_private
        )
