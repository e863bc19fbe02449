"""The game core: spec, state, random streams, reports and the shared helpers every phase uses."""

from __future__ import annotations

from typing import Any

import numpy as np
from attrs import define, field, frozen

from ..model.state import (
    GRID,
    ONLINE,
    ChipCohort,
    Company,
    GenerationState,
    LedgerLine,
    PowerSource,
    RegionState,
    Site,
    VendorState,
    World,
)
from ..scenario import Scenario, quarter_label, quarter_offset
from .rng import Draws

# Profit-and-loss categories; every other ledger line moves money between cash and the balance sheet.
PNL = frozenset(
    {
        "revenue_spot",
        "revenue_contract",
        "revenue_internal",
        "outside_cash_flow",
        "subcontract_cost",
        "power",
        "opex",
        "idle_crews",
        "interest",
        "tax",
        "asic_programme",
        "crew_training",
        "retrofit",
    }
)
CAPITAL = frozenset(
    {
        "capex_facility",
        "capex_power",
        "chip_prepayment",
        "chip_delivery",
        "apa_deposit",
        "asset_purchase",
        "debt_draw",
        "debt_repay",
        "equity_raise",
    }
)
_CATEGORIES = PNL | CAPITAL
# Categories a report counts as revenue (every PNL category named revenue_*), and cash a
# company earns from outside (revenue and the rest of its business).
REVENUE = frozenset(k for k in PNL if k.startswith("revenue"))
EARNED = REVENUE | {"outside_cash_flow"}


@frozen
class PrivateReport:
    """One company's report of a quarter. While the quarter is open the engine adds to its lines,
    rejections and P&L; at the close it is sealed (read-only, shared with no one else)."""

    company: str
    quarter: str
    _lines: list = field(factory=list, alias="lines")  # text, or (template, *args) formatted when read
    rejected: list[dict] = field(factory=list)  # {"order": ..., "reason": ...}
    pnl: dict[str, float] = field(factory=dict)
    cash_musd: float = 0.0
    debt_musd: float = 0.0
    net_income_musd: float = 0.0
    depreciation_musd: float = 0.0

    @property
    def lines(self) -> tuple[str, ...]:
        """What happened to the company this quarter, in words (formatted afresh on each read:
        most reports are never read, and a getter leaves what it read alone)."""
        return tuple([x if type(x) is str else x[0].format(*x[1:]) for x in self._lines])


@frozen
class PublicReport:
    """What everyone learns of a quarter; built while the quarter resolves, sealed at its close."""

    quarter: str
    news: list[str] = field(factory=list)
    events: list[dict] = field(factory=list)  # the deck's events that fired: {"event", "title", "target", "quarters"}
    markets: dict[str, Any] = field(factory=dict)
    bankruptcies: list[str] = field(factory=list)
    online: list[dict] = field(factory=list)  # sites that came online: company, mw, region, quarters from power and from start
    companies: dict[str, dict] = field(factory=dict)


@define
class GameCore:
    spec: Scenario
    seed: int
    world: World
    randomness: Draws  # every exogenous draw, by (quarter, purpose, key): see rng.py
    release: dict[str, int]  # generation -> quarter index it becomes available
    end: dict[str, int]
    public: PublicReport = None  # this quarter's, while it is being resolved
    private: dict[str, PrivateReport] = field(factory=dict)
    mods: dict[tuple[str, str], float] = field(factory=dict)
    depreciation: dict[str, float] = field(factory=dict)  # this quarter, per company
    equity_raised: dict[str, float] = field(factory=dict)
    _figures: dict[str, tuple] = field(factory=dict, repr=False)  # site id -> site_figures
    _free_kw: dict[str, float] = field(factory=dict, repr=False)  # site id -> site_free_kw
    _site_views: dict[str, Any] = field(factory=dict, repr=False)  # site id -> SiteView of an online site
    _fleets: dict[str, tuple] = field(factory=dict, repr=False)  # company id -> fleet()
    _books: dict[str, tuple] = field(factory=dict, repr=False)  # company id -> asset_books(), while held
    _power_views: dict[str, Any] = field(factory=dict, repr=False)
    _quarter_cache: dict[tuple, Any] = field(factory=dict, repr=False)  # supply, RFP index, capex, until the next news
    _levers: dict[str, dict] = field(factory=dict, repr=False)  # mod() values by lever, until the events' levers change
    _static: dict[str, Any] = field(factory=dict, repr=False)
    _labels: dict[int, str] = field(factory=dict, repr=False)
    _alive: tuple[Company, ...] | None = field(default=None, repr=False)

    # ---- time -------------------------------------------------------------------------------
    @property
    def q(self) -> int:
        return self.world.quarter

    def label(self, index: int | None = None) -> str:
        i = self.world.quarter if index is None else index
        text = self._labels.get(i)
        if text is None:
            text = self._labels[i] = quarter_label(self.spec.game.start, i)
        return text

    def released(self, gen: str, at: int | None = None) -> bool:
        t = self.world.quarter if at is None else at
        shift = int(self.mod("release_shift_quarters", gen, 0.0))
        return self.release[gen] + shift <= t

    def in_production(self, gen: str) -> bool:
        q = self.world.quarter
        return self.released(gen, q) and q <= self.end[gen]

    def draws(self, purpose: str, *key: str | int) -> np.random.Generator:
        """The generator for this quarter's draws of one purpose (narrowed by key): see rng.py."""
        return self.randomness.get(self.world.quarter, purpose, *key)

    def cache(self, name: str, build):
        """A per-game object derived from the spec alone, built on first use."""
        hit = self._static.get(name)
        if hit is None:
            hit = self._static[name] = build(self)
        return hit

    def open_rfp(self, rid: Any) -> Any:
        """The open RFP with this id, or None (indexed once per list of RFPs)."""
        rfps = self.world.rfps
        hit = self._quarter_cache.get(("rfps",))
        if hit is None or hit[0] is not rfps or hit[1] != len(rfps):
            hit = self._quarter_cache[("rfps",)] = (rfps, len(rfps), {r.id: r for r in rfps})
        return hit[2].get(rid) if isinstance(rid, str) else None

    # ---- event levers -------------------------------------------------------------------------
    def mod(self, lever: str, target: str = "", neutral: float = 1.0) -> float:
        """A lever's value for a target, combining global and targeted events."""
        by_target = self._levers.get(lever)  # {target: value} for the neutral the lever is asked with
        if by_target is None or by_target[None] != neutral:
            by_target = self._levers[lever] = {None: neutral}
        hit = by_target.get(target)
        if hit is None:
            hit = by_target[target] = self._mod(lever, target, neutral)
        return hit

    def set_mods(self, mods: dict[tuple[str, str], float]) -> None:
        """The quarter's event levers (a lever's values are worked out again only if they changed:
        most quarters bring the same events, or none)."""
        if mods != self.mods:
            self._levers = {}
        self.mods = mods
        self._quarter_cache = {}

    def _mod(self, lever: str, target: str, neutral: float) -> float:
        g = self.mods.get((lever, ""), neutral)
        if not target:
            return g
        t = self.mods.get((lever, target), neutral)
        if neutral == 1.0 and lever.endswith("multiplier"):
            return g * t
        if lever in ("moratorium", "export_restricted", "outage_fraction"):
            return max(g, t)
        return g + t - neutral

    # ---- money -------------------------------------------------------------------------------
    def post(self, c: Company, category: str, amount: float, note: str = "") -> None:
        """Every dollar in or out of a company passes here as a ledger line."""
        assert category in _CATEGORIES, category
        c.cash_musd += amount
        c.ledger.append(LedgerLine(category, amount, note))
        rep = self.private.get(c.id)
        if rep is not None:
            pnl = rep.pnl
            pnl[category] = pnl.get(category, 0.0) + amount

    def say(self, cid: str, text: str, *args: Any) -> None:
        """A line for one company's report: a str.format template and its values (formatted
        only when someone reads the report). One tuple a line, not a pair: every container kept
        for the rest of the game brings the garbage collector's next pass nearer."""
        rep = self.private.get(cid)
        if rep is not None:
            rep._lines.append((text,) + args if args else text)

    def alive(self) -> tuple[Company, ...]:
        """The companies still in the game, in scenario order (kept until a bankruptcy)."""
        hit = self._alive
        if hit is None:
            hit = self._alive = tuple(c for c in self.world.companies.values() if c.alive)
        return hit

    def bury(self, c: Company) -> None:
        """A company leaves the game."""
        c.alive = False
        self._alive = None

    # ---- capacity ------------------------------------------------------------------------------
    def site_figures(self, site: Site) -> tuple[float, float, float, tuple[tuple[int, float], ...]]:
        """(kW drawn, H100e, ecosystem-weighted H100e, H100e by release quarter) of a site's
        accelerators; cached until an installation calls forget_site."""
        f = self._figures.get(site.id)
        if f is None:
            gens = self.spec.generations
            kw = h = eco = 0.0
            by_release: dict[int, float] = {}
            for gid, n in site.installed.items():
                gen = gens[gid]
                kw += gen.power_kw * n
                x = gen.performance_h100e * n
                h += x
                eco += x * gen.ecosystem_factor
                rel = self.release[gid]
                by_release[rel] = by_release.get(rel, 0.0) + x
            f = self._figures[site.id] = (kw, h, eco, tuple(sorted(by_release.items())))
        return f

    def site_used_kw(self, site: Site) -> float:
        return self.site_figures(site)[0]

    def design_pue(self, cooling: str, region: str) -> float:
        """PUE a hall is built for: its cooling's, plus the climate's toll on air cooling."""
        return self.cache("design_pue", _design_pues)[cooling, region]

    def site_it_mw(self, site: Site) -> float:
        """IT load a site can host: its grid MW over the PUE it was built for."""
        return site.mw / self.design_pue(site.cooling, site.region)

    def site_free_kw(self, site: Site) -> float:
        """kW of IT load a site can still take (cached until forget_site)."""
        f = self._free_kw.get(site.id)
        if f is None:
            f = self._free_kw[site.id] = self.site_it_mw(site) * 1000 - self.site_used_kw(site)
        return f

    def forget_site(self, site: Site, owner: Company | None = None) -> None:
        """Drop what is cached about a site whose chips or stage changed (and its owner's totals)."""
        self._figures.pop(site.id, None)
        self._free_kw.pop(site.id, None)
        self._site_views.pop(site.id, None)
        if owner is not None:
            self._fleets.pop(owner.id, None)

    def fleet(self, c: Company) -> tuple[dict, float]:
        """A company's online sites with chips, summed by (region, cooling, power source kind,
        its contract price): [kW, H100e, ecosystem-weighted H100e, {release: H100e}]; and its
        largest such site's MW. Cached until one of its sites changes (forget_site)."""
        hit = self._fleets.get(c.id)
        if hit is None:
            power = {p.id: p for p in c.power}
            groups: dict[tuple, list] = {}
            largest = 0.0
            for s in c.sites:
                if s.stage != ONLINE or not s.installed:
                    continue
                largest = max(largest, s.mw)
                p = power.get(s.power)
                key = (s.region, s.cooling, p.kind if p is not None else "", p.price_usd_per_mwh if p is not None else 0.0)
                kw, h, eco, releases = self.site_figures(s)
                grp = groups.get(key)
                if grp is None:
                    grp = groups[key] = [0.0, 0.0, 0.0, {}]
                grp[0] += kw
                grp[1] += h
                grp[2] += eco
                by_release = grp[3]
                for rel, x in releases:
                    by_release[rel] = by_release.get(rel, 0.0) + x
            hit = self._fleets[c.id] = (groups, largest)
        return hit

    def asset_books(self, c: Company) -> tuple[float, float, float]:
        """The book values of a company's sites, power sources and chip cohorts, each summed."""
        hit = self._books.get(c.id)
        if hit is None:
            hit = (sum([s.book_musd for s in c.sites]), sum([p.book_musd for p in c.power]), sum([k.book_musd for k in c.cohorts]))
        return hit

    def hold_books(self, c: Company) -> None:
        """Keep a company's asset_books() once depreciation has written its assets down: no book
        value changes again until the next quarter's markets (release_books), or a bankruptcy
        (which drops them), so finance, views and order checks read these sums."""
        self._books.pop(c.id, None)
        self._books[c.id] = self.asset_books(c)

    def release_books(self, c: Company | None = None) -> None:
        """Books may change from here (the markets open, or c's assets go to auction)."""
        if c is None:
            self._books.clear()
        else:
            self._books.pop(c.id, None)

    def book_equity(self, c: Company) -> float:
        """Cash, plus every asset at its depreciated book value, less debt."""
        sites, power, chips = self.asset_books(c)
        return c.cash_musd + sites + power + chips + c.deposits_musd - c.debt_musd

    def book_assets(self, c: Company) -> float:
        return self.book_equity(c) + c.debt_musd

    def debt_rate(self, c: Company, assets: float | None = None) -> float:
        """Annual rate: archetype base, more with leverage, less when contracts back the debt."""
        a = self.spec.archetypes[c.archetype]
        assets = max(self.book_assets(c) if assets is None else assets, 1e-9)
        debt = c.debt_musd
        leverage = min(debt / assets, 1.0)  # at most: every asset owed
        backed = 0.0
        if debt > 0 and c.contracts:  # else nothing backs the debt
            hours = self.spec.rules.hours_per_quarter
            backlog = sum([k.h100e * k.price_usd_per_h100e_hour * hours * k.quarters_left / 1e6 for k in c.contracts])
            backed = min(1.0, backlog / debt)
        rate = a.debt_rate_base_per_year + a.debt_rate_leverage_slope * leverage - a.contract_backed_discount * backed
        rate += self.mod("rate_add", "", 0.0)
        if c.covenant_breached or c.distress_quarters > 0:
            rate += self.spec.rules.covenant_penalty_rate
        return max(rate, 0.0)

    def borrow_headroom(self, c: Company, assets: float | None = None) -> float:
        """New debt the covenant allows: leverage up to the archetype's maximum."""
        if c.covenant_breached or c.distress_quarters > 0:
            return 0.0
        a = self.spec.archetypes[c.archetype]
        if assets is None:
            assets = self.book_assets(c)
        # borrowed cash is itself an asset: debt' <= L (assets + x)  =>  x <= (L*assets - debt)/(1-L)
        room = (a.max_leverage * assets - c.debt_musd) / max(1e-9, 1.0 - a.max_leverage)
        return max(0.0, room)


def _design_pues(g: GameCore) -> dict[tuple[str, str], float]:
    spec = g.spec
    return {
        (kind, rid): cool.pue + (0.0 if cool.hosts_liquid_only else r.climate_air_pue_add)
        for kind, cool in spec.cooling.items()
        for rid, r in spec.regions.items()
    }


def new_core(spec: Scenario, seed: int) -> GameCore:
    """The world at the start of the first quarter, from the scenario's starting state."""
    start = spec.game.start
    release = {gid: quarter_offset(start, g.release) for gid, g in spec.generations.items()}
    end = {gid: quarter_offset(start, g.end) for gid, g in spec.generations.items()}
    regions = {
        rid: RegionState(rid, r.power_price_usd_per_mwh, r.crews_initial, r.wage_reserve_musd_per_crew_quarter)
        for rid, r in spec.regions.items()
    }
    vendors = {vid: VendorState(vid, v.packaging_units_per_quarter, v.hbm_units_per_quarter) for vid, v in spec.vendors.items()}
    gens = {gid: GenerationState(gid, g.list_price_musd) for gid, g in spec.generations.items()}
    world = World(
        quarter=0,
        price_index=spec.demand.price_index_initial_usd_per_h100e_hour,
        demand_h100e=spec.demand.total_h100e_initial,
        regions=regions,
        vendors=vendors,
        generations=gens,
        companies={},
        gas_supply_mw=spec.power.gas.turbine_supply_mw_per_quarter,
    )
    core = GameCore(spec, seed, world, Draws(seed), release, end)
    rules = spec.rules
    for cid, cs in spec.companies.items():
        c = Company(
            id=cid,
            name=cs.name,
            archetype=cs.archetype,
            cash_musd=cs.cash_musd,
            debt_musd=cs.debt_musd,
            internal_demand_h100e=cs.internal_demand_h100e,
            outside_cash_flow_musd=cs.outside_cash_flow_musd_per_quarter,
        )
        for s in cs.sites:
            pid = world.new_id("P")
            sid = world.new_id("S")
            region = spec.regions[s.region]
            capex = spec.cooling[s.cooling].capex_musd_per_mw * region.facility_capex_multiplier * s.mw
            site = Site(sid, s.region, s.mw, s.cooling, pid, stage=ONLINE, built_mw=s.mw, installed={g: n for g, n in s.chips.items() if n > 0})
            site.book_musd = capex
            site.dep_musd_per_quarter = capex / rules.facility_depreciation_quarters
            site.online_quarter = -1
            c.sites.append(site)
            c.power.append(PowerSource(pid, GRID, s.region, s.mw, ready_quarter=0, energised=True, site=sid))
            for g, n in s.chips.items():
                if n > 0:
                    gen = spec.generations[g]
                    cost = gen.list_price_musd * n
                    c.cohorts.append(ChipCohort(g, n, cost, cost / gen.depreciation_quarters))
            world.mw_created += s.mw
        for qp in cs.queue_positions:
            pid = world.new_id("P")
            ready = quarter_offset(start, qp.energise)
            c.power.append(PowerSource(pid, GRID, qp.region, qp.mw, ready_quarter=ready, energised=ready <= 0))
            world.mw_created += qp.mw
        for g, n in cs.inventory.items():
            if n > 0:
                gen = spec.generations[g]
                c.inventory[g] = n
                cost = gen.list_price_musd * n
                c.cohorts.append(ChipCohort(g, n, cost, cost / gen.depreciation_quarters))
        c.starting_equity_musd = core.book_equity(c)
        world.companies[cid] = c
    for cid, c in world.companies.items():
        for site in c.sites:
            for g, n in site.installed.items():
                world.chips_supplied[g] = world.chips_supplied.get(g, 0) + n
        for g, n in c.inventory.items():
            world.chips_supplied[g] = world.chips_supplied.get(g, 0) + n
    return core
