"""The one observer: builds each company's view from the state, with nothing it may not know."""

from __future__ import annotations

import math
import weakref
from operator import attrgetter

from attrs import evolve

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
    ReadOnlyDict,
    RegionView,
    RfpView,
    RivalView,
    SiteView,
    read_only,
)
from ..scenario import Scenario, quarter_offset
from .build import facility_capexes
from .chips import generation_supply
from .core import GameCore
from .finance import borrow_headroom, debt_rate
from .news import inference_share

_MW = attrgetter("mw")


def public_rules(spec: Scenario, cid: str, shared: Scenario | None = None) -> Scenario:
    """The rules as one company may read them: the scenario without its scheduled injects (a
    workshop's surprises) and without the other companies' starting figures (their cash, debt
    and outside business are private), as a read-only copy that shares nothing with the engine's.
    `shared` is public_rules(spec, "") made before: the part every company's copy has alike."""
    if shared is None:
        shared = read_only(evolve(spec, injects=(), companies={}))
    own = {cid: read_only(spec.companies[cid])} if cid in spec.companies else {}
    return evolve(shared, companies=ReadOnlyDict(own))


# Each scenario's rules as each company may read them. A copy is deeply read-only, so one serves
# every game of the scenario: a tournament plays thousands, and a copy costs ~0.4 ms (~1% of a
# baseline game). Kept while the scenario lives.
_RULES: dict[int, tuple[weakref.ref, dict[str, Scenario]]] = {}


def rules_for(spec: Scenario, cid: str) -> Scenario:
    """public_rules(spec, cid), made once per scenario and company."""
    hit = _RULES.get(id(spec))
    if hit is None or hit[0]() is not spec:
        hit = _RULES[id(spec)] = (weakref.ref(spec), {})
        weakref.finalize(spec, _RULES.pop, id(spec), None)
    made = hit[1]
    rules = made.get(cid)
    if rules is None:
        shared = made.get("")
        if shared is None:
            shared = made[""] = public_rules(spec, "")
        rules = made[cid] = public_rules(spec, cid, shared)
    return rules


def _capex(g: GameCore) -> dict[str, ReadOnlyDict]:
    """Each region's facility capex per cooling kind this quarter, rounded as the views show it."""
    spec = g.spec
    capexes = facility_capexes(g)
    return {rid: ReadOnlyDict({kind: round(capexes[kind, rid, False][1], 4) for kind in spec.cooling}) for rid in spec.regions}


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
                id=rid,
                name=r.name,
                latency_tier=r.latency_tier,
                power_price_usd_per_mwh=rs.power_price_usd_per_mwh * mod("power_price_multiplier", rid),
                queue_wait_quarters_min=r.queue_wait_quarters_min + extra,
                queue_wait_quarters_max=r.queue_wait_quarters_max + extra,
                grid_release_mw=0.0 if moratorium else r.grid_release_mw_per_quarter * mod("grid_release_multiplier", rid),
                grid_reserve_price_musd_per_mw=r.grid_reserve_price_musd_per_mw,
                last_grid_price_musd_per_mw=rs.last_grid_price_musd_per_mw,
                last_grid_mw=rs.last_grid_mw,
                last_grid_bid_mw=rs.last_grid_bid_mw,
                crews_pool=rs.crews_pool * mod("crews_multiplier", rid),
                wage_reserve_musd=rs.wage_reserve_musd,
                last_wage_musd=rs.last_wage_musd,
                permitting_quarters=r.permitting_quarters,
                moratorium=moratorium,
                export_restricted=r.export_restricted or mod("export_restricted", rid, 0.0) > 0,
                gas_allowed=r.gas_allowed,
                smr_allowed=r.smr_allowed,
                capex_musd_per_mw=capexes[rid],
                inference_demand_weight=r.inference_demand_weight,
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
                id=gid,
                name=gen.name,
                vendor=gen.vendor,
                custom=vendor.custom,
                performance_h100e=gen.performance_h100e,
                power_kw=gen.power_kw,
                list_price_musd=gs.list_price_musd,
                apa_price_musd=gs.list_price_musd * (1 - vendor.apa_discount),
                liquid_only=gen.liquid_only,
                export_controlled=gen.export_controlled,
                released=released,
                in_production=g.in_production(gid),
                release_quarter=g.release_quarter(gid),
                ecosystem_factor=gen.ecosystem_factor,
                supply_units=supply.get(gid, 0),
                last_spot_price_musd=gs.last_spot_price_musd,
                last_spot_units=gs.last_spot_units,
                apa_room_units=0 if vendor.custom else room,
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
    return RivalView(
        id=c.id,
        name=c.name,
        archetype=c.archetype,
        alive=c.alive,
        online_mw=online_mw,
        pipeline_mw=pipeline_mw,
        sites=len(c.sites),
        capacity_h100e=h100e,
        power_mw=sum(map(_MW, c.power)),
    )


def _site(g: GameCore, c: Company, s: Site, power) -> SiteView:
    if s.stage == ONLINE:  # most sites, most quarters: unchanged since last quarter
        v = g.derived.site_views.get(s.id)
        if v is None:
            v = g.derived.site_views[s.id] = _site_view(g, s, "", s.online_quarter)
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
    return SiteView(
        id=s.id,
        region=s.region,
        mw=s.mw,
        cooling=s.cooling,
        stage=s.stage,
        stage_quarters=s.stage_quarters,
        built_mw=s.built_mw,
        blocked_by=blocked,
        expected_online=expected,
        installed=ReadOnlyDict(s.installed),
        free_mw=it_mw - g.site_used_kw(s) / 1000,
        power=s.power,
        fast_track=s.fast_track,
        it_mw=it_mw,
    )


def _sites(g: GameCore, c: Company) -> tuple[SiteView, ...]:
    """A company's sites. The engine's cache of SiteViews holds online sites only and drops a site
    whose chips, cooling or id change, so a hit is the view _site would return (one loop here
    rather than a call per site: most sites are online and unchanged)."""
    cached = g.derived.site_views.get
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
    made = g.derived.power_views
    out = []
    for p in c.power:
        v = made.get(p.id)
        if v is None or v.energised != p.energised or v.site != p.site or v.ready_quarter != p.ready_quarter:
            v = made[p.id] = PowerView(id=p.id, kind=p.kind, region=p.region, mw=p.mw, ready_quarter=p.ready_quarter, energised=p.energised, site=p.site, price_usd_per_mwh=p.price_usd_per_mwh)
        out.append(v)
    return tuple(out)


def _contract(k) -> ContractView:
    return ContractView(id=k.id, customer=k.customer, supplier=k.supplier, h100e=k.h100e, price_usd_per_h100e_hour=k.price_usd_per_h100e_hour, quarters_left=k.quarters_left, kind=k.kind)


def _agreement(a) -> AgreementView:
    return AgreementView(id=a.id, generation=a.generation, units_per_quarter=a.units_per_quarter, quarters_left=a.quarters_left, price_musd_per_unit=a.price_musd_per_unit)


def _me(g: GameCore, c: Company, subs: tuple[ContractView, ...]) -> MeView:
    equity = g.book_equity(c)
    assets = equity + c.debt_musd
    return MeView(
        id=c.id,
        name=c.name,
        archetype=c.archetype,
        special_moves=g.spec.archetypes[c.archetype].special_moves,
        cash_musd=c.cash_musd,
        debt_musd=c.debt_musd,
        debt_rate=debt_rate(g, c, assets),
        borrow_headroom_musd=borrow_headroom(g, c, assets),
        book_equity_musd=equity,
        ownership=c.ownership,
        covenant_breached=c.covenant_breached,
        distress_quarters=c.distress_quarters,
        sites=_sites(g, c),
        power=_powers(g, c),
        inventory=ReadOnlyDict(c.inventory),
        deliveries=tuple([DeliveryView(quarter=d.quarter, generation=d.generation, units=d.units) for d in c.deliveries]),
        agreements=tuple([_agreement(a) for a in c.agreements]),
        contracts=tuple([_contract(k) for k in c.contracts]),
        subcontracts=subs,
        asic_quarters_funded=c.asic_quarters_funded,
        asic_active=c.asic_active,
        internal_demand_h100e=c.internal_demand_h100e,
        outside_cash_flow_musd=c.outside_cash_flow_musd,
        capacity_h100e=c.capacity_h100e,
        used_h100e=c.used_h100e,
        revenue_musd=c.revenue_musd,
        net_income_musd=c.net_income_musd,
        ebitda_musd=c.ebitda_musd,
    )


class Observer:
    """Builds views; the public part is built once per quarter and shared by every company's view,
    and each company's view once per quarter, however often it is asked for (by an agent, an RL
    env, a screen): nothing changes between the news and the orders. Every part of a view is
    read-only and none is the engine's own object, so what an agent does to its view stays there."""

    def __init__(self, g: GameCore):
        self.g = g
        self._quarter = -1
        self._public: dict = {}
        self._subcontracts: dict[str, tuple[ContractView, ...]] = {}
        self._views: dict[str, CompanyView] = {}
        self._smr_first = quarter_offset(g.spec.game.start, g.spec.power.smr.first_delivery)

    def rules(self, cid: str) -> Scenario:
        """The rules as company cid may read them (one copy for every game of the scenario)."""
        return rules_for(self.g.spec, cid)

    def _refresh(self) -> None:
        g = self.g
        if self._quarter == g.q and self._public:
            return
        w = g.world
        self._quarter = g.q
        self._views = {}
        self._public = dict(
            regions=_public_regions(g),
            generations=_public_generations(g),
            rfps=tuple(
                RfpView(
                    id=r.id,
                    customer=r.customer,
                    h100e=r.h100e,
                    quarters=r.quarters,
                    min_site_mw=r.min_site_mw,
                    min_release_quarter=r.min_release,
                    max_price_usd_per_h100e_hour=r.max_price_usd_per_h100e_hour,
                )
                for r in w.rfps
            ),
            lots=tuple(
                LotView(
                    id=lt.id,
                    kind=lt.kind,
                    region=lt.region,
                    mw=lt.mw,
                    reserve_musd=lt.reserve_musd,
                    seller=lt.seller,
                    stage=lt.site.stage if lt.site is not None else "",
                    accelerators=sum(lt.site.installed.values()) if lt.site is not None else sum(k.units for k in lt.chips),
                    quarters_left=lt.quarters_left,
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
        """Company cid's view; last_public and last_private are last quarter's sealed reports."""
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
            scenario=self.rules(cid),
            quarter=g.q,
            quarter_label=pub["label"],
            quarters_total=spec.game.quarters,
            price_index=w.price_index,
            demand_h100e=pub["demand_h100e"],
            inference_share=pub["inference_share"],
            gas_supply_mw=w.gas_supply_mw,
            gas_reserve_price_musd_per_mw=spec.power.gas.reserve_price_musd_per_mw,
            last_gas_price_musd_per_mw=w.last_gas_price_musd_per_mw,
            smr_first_delivery_quarter=self._smr_first,
            me=_me(g, c, self._subcontracts.get(cid, ())),
            rivals=tuple([r for r in pub["rivals"] if r.id != cid]),
            regions=pub["regions"],
            generations=pub["generations"],
            rfps=pub["rfps"],
            lots=pub["lots"],
            news=pub["news"],
            last_public=last_public,
            last_private=last_private,
        )
