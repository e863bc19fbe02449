"""Phase 4, build: power energises, sites move through the pipeline cascade, chips get installed."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..model import orders as o
from ..model.state import COMMISSIONING, CONSTRUCTION, GRID, ONLINE, PERMITTING, POWER, RETROFIT, SMR, Company, Site
from .core import GameCore
from .operate import note_served_fleets

if TYPE_CHECKING:
    from .validate import OrderBook


def retrofit_cost(g: GameCore, site: Site, cooling: str) -> float:
    """$M to refit a site's hall for another cooling: the rate per MW of IT load the refitted
    hall will host (grid MW over the new cooling's design PUE)."""
    return site.mw / g.design_pue(cooling, site.region) * g.spec.rules.retrofit_capex_musd_per_it_mw


def start_sites(g: GameCore, book: OrderBook) -> None:
    rules = g.spec.rules
    for cid, x in book.of(o.StartSite, o.RetrofitCooling):
        c = g.world.companies[cid]
        if isinstance(x, o.StartSite):
            p = next(p for p in c.power if p.id == x.power)
            s = Site(g.world.new_id("S"), p.region, p.mw, x.cooling, p.id, fast_track=bool(x.fast_track), started_quarter=g.q)
            p.site = s.id
            c.sites.append(s)
            g.say(cid, "Started site {}: {:,.0f} MW {}-cooled in {} on {} power {}", s.id, s.mw, x.cooling, g.spec.regions[s.region].name, p.kind, p.id)
        else:
            s = next(s for s in c.sites if s.id == x.site)
            cost = retrofit_cost(g, s, x.cooling)
            # the rework (stripping air handling, downtime works) is an expense; the new cooling
            # plant joins the hall's book and is written off over the hall's life like the rest
            rework = cost * rules.retrofit_expensed_fraction
            g.post(c, "retrofit", -rework, f"retrofit works at {s.id}")
            g.post(c, "capex_facility", -(cost - rework), f"retrofit of {s.id}")
            s.book_musd += cost - rework
            s.dep_musd_per_quarter += (cost - rework) / rules.facility_depreciation_quarters
            s.stage, s.stage_quarters, s.retrofit_to = RETROFIT, 0, x.cooling
            g.forget_site(s, c)
            g.say(cid, "Retrofitting site {} to {} cooling: offline for {} quarters", s.id, x.cooling, rules.retrofit_quarters)


def energise(g: GameCore) -> None:
    """Power sources come on when due, unless the region's queue slips (or the SMR is late)."""
    spec, q = g.spec, g.q
    for c in g.alive():
        for p in c.power:
            if p.energised or p.ready_quarter > q:
                continue
            if p.kind == GRID:
                slip = spec.regions[p.region].queue_slip_probability
            elif p.kind == SMR:
                slip = spec.power.smr.delay_probability_per_quarter
            else:
                slip = 0.0
            # each company's slips drawn by region and kind, so no other company's orders move them
            if slip > 0 and g.draws("build.slip", c.id, p.region, p.kind).random() < slip:
                p.ready_quarter += 1
                g.say(c.id, "Power {} ({}, {:,.0f} MW in {}) slipped to {}", p.id, p.kind, p.mw, spec.regions[p.region].name, g.label(p.ready_quarter))
                continue
            p.energised = True
            p.dep_musd_per_quarter = p.book_musd / spec.rules.power_depreciation_quarters
            if p.kind == GRID:
                # new data-centre load on the grid lifts the region's wholesale price for everyone
                g.world.regions[p.region].power_price_usd_per_mwh *= 1 + spec.regions[p.region].power_price_rise_per_gw * p.mw / 1000
            g.say(c.id, "Power {} energised: {:,.0f} MW of {} in {}", p.id, p.mw, p.kind, spec.regions[p.region].name)


def facility_capex(g: GameCore, cooling: str, region: str, fast_track: bool = False) -> float:
    """$M per MW of IT load of hall this quarter: the cooling's capex, the region's multiplier,
    escalation (and the fast-track premium)."""
    return facility_capexes(g)[cooling, region, fast_track][0]


def facility_capex_per_grid_mw(g: GameCore, cooling: str, region: str, fast_track: bool = False) -> float:
    """What a MW of site (grid MW, the size orders and power sources are in) costs to build: the
    IT load it hosts (1 / design PUE) at facility_capex."""
    return facility_capexes(g)[cooling, region, fast_track][1]


def facility_capexes(g: GameCore) -> dict[tuple[str, str, bool], tuple[float, float]]:
    """(facility_capex, facility_capex_per_grid_mw) of every cooling, region and fast-track choice
    this quarter, worked out at once (the views show every region's, and each is asked for again
    and again)."""
    return g.this_quarter("facility_capex", lambda: _facility_capexes(g))


def _facility_capexes(g: GameCore) -> dict[tuple[str, str, bool], tuple[float, float]]:
    spec = g.spec
    escalation = (1 + spec.rules.facility_capex_escalation_per_quarter) ** g.q
    out = {}
    for cooling, cs in spec.cooling.items():
        for rid, r in spec.regions.items():
            base = cs.capex_musd_per_it_mw * r.facility_capex_multiplier
            base *= escalation
            fast = base * spec.rules.fast_track_cost_multiplier
            pue = g.design_pue(cooling, rid)
            out[cooling, rid, False] = (base, base / pue)
            out[cooling, rid, True] = (fast, fast / pue)
    return out


def power_confirmed(g: GameCore, power) -> bool:
    """The utility has confirmed the site's power: energised, or due within the confirmation window."""
    return power.energised or power.ready_quarter - g.q <= g.spec.rules.power_confirmed_quarters_ahead


def advance_pipeline(g: GameCore) -> None:
    spec, rules = g.spec, g.spec.rules
    for c in g.alive():
        power = None  # by id, when a site waits for its power
        crews_left = dict(c.crews)
        for s in c.sites:
            if s.stage == ONLINE:
                continue
            s.stage_quarters += 1
            if s.stage == PERMITTING:
                if power is None:
                    power = {p.id: p for p in c.power}
                # the cascade: no confirmed power, no permit (the clock stops), nor under a moratorium
                if g.mod("moratorium", s.region, 0.0) > 0 or not power_confirmed(g, power[s.power]):
                    s.stage_quarters -= 1
                    continue
                need = spec.regions[s.region].permitting_quarters
                if s.fast_track:
                    need = math.ceil(need * rules.fast_track_permit_factor)
                if s.stage_quarters < need:
                    continue
                # the permit arrives at the end of the quarter: no building before it
                s.stage, s.stage_quarters = POWER, 0
                continue
            if s.stage == POWER:
                # the cascade: no confirmed power, no construction
                if power is None:
                    power = {p.id: p for p in c.power}
                if not power[s.power].energised:
                    continue
                s.stage, s.stage_quarters = CONSTRUCTION, 0
                g.say(c.id, "Site {}: power confirmed, construction can start (needs crews in {})", s.id, spec.regions[s.region].name)
            if s.stage == CONSTRUCTION:
                _construct(g, c, s, crews_left)
                if s.built_mw < s.mw - 1e-9:
                    continue
                s.stage, s.stage_quarters = COMMISSIONING, 0
            if s.stage == COMMISSIONING:
                if s.stage_quarters < rules.commissioning_quarters:
                    continue
                _go_online(g, c, s)
            elif s.stage == RETROFIT and s.stage_quarters >= rules.retrofit_quarters:
                s.cooling, s.retrofit_to = s.retrofit_to, ""
                s.stage, s.stage_quarters = ONLINE, 0
                g.forget_site(s, c)
                g.say(c.id, "Site {} is back online, now {}-cooled", s.id, s.cooling)
        # crews hired but with nothing to build are still paid
        for rid, n in crews_left.items():
            if n > 1e-9:
                cost = n * c.crew_wage[rid]
                g.post(c, "idle_crews", -cost, f"{n:,.1f} idle crews in {rid}")
                g.say(c.id, "{:,.1f} crews in {} had nothing to build (${:,.1f}M)", n, spec.regions[rid].name, cost)


def _construct(g: GameCore, c: Company, s: Site, crews_left: dict[str, float]) -> None:
    rules = g.spec.rules
    per_crew = rules.construction_mw_per_crew_quarter * g.mod("construction_speed_multiplier", s.region)
    crews = crews_left.get(s.region, 0.0)
    if crews <= 1e-9 or per_crew <= 0:
        g.say(c.id, "Site {}: no crews in {}, no progress", s.id, g.spec.regions[s.region].name)
        return
    need = (s.mw - s.built_mw) / per_crew
    used = min(crews, need)
    crews_left[s.region] = crews - used
    mw = min(s.mw - s.built_mw, used * per_crew)
    cost = mw * facility_capex_per_grid_mw(g, s.cooling, s.region, s.fast_track) + used * c.crew_wage[s.region]
    s.built_mw += mw
    g.post(c, "capex_facility", -cost, f"construction of {s.id}")
    s.book_musd += cost
    g.say(c.id, "Site {}: built {:,.0f} MW with {:,.1f} crews (${:,.0f}M); {:,.0f}/{:,.0f} MW", s.id, mw, used, cost, s.built_mw, s.mw)


def _go_online(g: GameCore, c: Company, s: Site) -> None:
    s.stage, s.stage_quarters, s.online_quarter = ONLINE, 0, g.q
    g.forget_site(s, c)
    s.dep_musd_per_quarter = s.book_musd / g.spec.rules.facility_depreciation_quarters
    p = next((p for p in c.power if p.id == s.power), None)
    secured = p.acquired_quarter if p is not None else -1
    g.public.online.append(
        {
            "company": c.id,
            "name": c.name,
            "mw": s.mw,
            "region": s.region,
            "quarters_from_power": g.q - secured if secured >= 0 else None,  # None: power held from the start
            "quarters_from_start": g.q - s.started_quarter,
        }
    )
    g.say(c.id, "Site {} is ONLINE: {:,.0f} MW in {}", s.id, s.mw, g.spec.regions[s.region].name)


def install_chips(g: GameCore) -> None:
    """Inventory goes onto online sites with free power and suitable cooling, newest generation first."""
    spec = g.spec
    gens = spec.generations
    restricted = {rid: r.export_restricted or g.mod("export_restricted", rid, 0.0) > 0 for rid, r in spec.regions.items()}
    for c in g.alive():
        if not any(c.inventory.values()):
            continue
        order = sorted((gid for gid, n in c.inventory.items() if n > 0), key=lambda x: (-gens[x].performance_h100e, x))
        smallest_kw = min([gens[gid].power_kw for gid in order])
        for s in c.sites:
            if s.stage != ONLINE:
                continue
            free_kw = g.site_free_kw(s)
            if free_kw < smallest_kw:
                continue  # full
            liquid = spec.cooling[s.cooling].hosts_liquid_only
            blocked = restricted[s.region]
            installed = False
            for gid in order:
                n = c.inventory.get(gid, 0)
                gen = gens[gid]
                if n <= 0 or free_kw < gen.power_kw or (gen.liquid_only and not liquid) or (blocked and gen.export_controlled):
                    continue
                units = min(n, int(free_kw // gen.power_kw))
                c.inventory[gid] = n - units
                s.installed[gid] = s.installed.get(gid, 0) + units
                installed = True
                free_kw -= units * gen.power_kw
                g.say(c.id, "Installed {:,} {} at site {}", units, gen.name, s.id)
            if installed:  # its figures are read again only after this site's installs
                g.forget_site(s, c)
        c.inventory = {k: v for k, v in c.inventory.items() if v > 0}
        waiting = sum(c.inventory.values())
        if waiting:
            g.say(c.id, "{:,} accelerators wait in inventory: no online site with free power and suitable cooling", waiting)


def build_phase(g: GameCore, book: OrderBook) -> None:
    from .chips import deliveries

    note_served_fleets(g)
    start_sites(g, book)
    energise(g)
    advance_pipeline(g)
    deliveries(g)
    install_chips(g)


