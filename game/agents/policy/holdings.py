"""What a company holds this quarter, read once from its own view for every policy to use."""

from __future__ import annotations

from attrs import define, field

from ...model.view import CompanyView
from .market import Market

CHIP_SOON_QUARTERS = 2  # chips bought now arrive about this many quarters later


def liquid_kinds(v: CompanyView) -> frozenset[str]:
    """Cooling kinds that can host liquid-only generations."""
    return Market.of(v).liquid_kinds


@define
class Holdings:
    # kW of hall power online or about to be, free for chips, by (hosts liquid-only?, export-restricted region?)
    free_kw: dict[tuple[bool, bool], float] = field(factory=dict)
    coming_kw: float = 0.0  # chips in inventory, in delivery or under agreement, in kW
    waiting_liquid: int = 0  # liquid-only chips in the warehouse
    crews_needed: dict[str, float] = field(factory=dict)  # region -> crews its sites under construction need
    building: set[str] = field(factory=set)  # regions with a site in the pipeline
    selling: set[str] = field(factory=set)  # regions with chips online
    largest_mw: float = 0.0  # largest online site with chips
    installed_mw: float = 0.0  # grid MW in use by chips
    held_mw: float = 0.0  # power held, sited or not
    unsited: list = field(factory=list)  # power sources with no site on them
    empty_air: list = field(factory=list)  # online air-cooled halls with no chips


def survey(v: CompanyView, merchant_share: float = 1.0) -> Holdings:
    """Read a company's sites, power and chips once; merchant_share is the share of free hall
    power it means to fill with merchant chips (the rest waits for its own ASICs)."""
    me, q = v.me, v.quarter
    m = Market.of(v)
    liquid, restricted = m.liquid_kinds, m.restricted
    per_crew = v.scenario.rules.construction_mw_per_crew_quarter
    h = Holdings()
    ready = set()  # power sources that are, or this quarter will be, energised
    for p in me.power:
        h.held_mw += p.mw
        if p.site is None:
            h.unsited.append(p)
        if p.energised or p.ready_quarter <= q:
            ready.add(p.id)
    free_kw, crews_needed = h.free_kw, h.crews_needed
    for s in me.sites:
        stage = s.stage
        if stage == "online" or 0 <= s.expected_online <= q + CHIP_SOON_QUARTERS:
            key = (s.cooling in liquid, restricted[s.region])
            free_kw[key] = free_kw.get(key, 0.0) + s.free_mw * 1000 * merchant_share
        if stage == "online":
            if s.installed:
                h.selling.add(s.region)
                h.largest_mw = max(h.largest_mw, s.mw)
            elif s.cooling not in liquid:
                h.empty_air.append(s)
        elif stage in ("construction", "power", "permitting"):
            h.building.add(s.region)
            # crews for what is being built, or will be once its power is ready this quarter
            if stage == "construction" or (stage == "power" and s.power in ready):
                crews_needed[s.region] = crews_needed.get(s.region, 0.0) + (s.mw - s.built_mw) / per_crew
        if s.it_mw > 0:
            h.installed_mw += (s.it_mw - s.free_mw) * s.mw / s.it_mw
    gens = m.generations
    for gid, n in me.inventory.items():
        h.coming_kw += gens[gid].power_kw * n
        if gens[gid].liquid_only:
            h.waiting_liquid += n
    h.coming_kw += sum(gens[d.generation].power_kw * d.units for d in me.deliveries)
    # every delivery an agreement still owes, not one quarter's: it is all on its way
    h.coming_kw += sum(gens[a.generation].power_kw * a.units_per_quarter * a.quarters_left for a in me.agreements)
    return h
