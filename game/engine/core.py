"""The game core: spec, state, random streams, reports and the shared helpers every phase uses."""

from __future__ import annotations

from functools import partial
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
from ..model.view import ReadOnlyDict, read_only
from ..scenario import Scenario, quarter_label, quarter_offset
from .clearing import TieKeys
from .levers import Levers
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
# Revenue, wherever the game shows it (a view, a report, the result): what the company sells, every
# P&L category named revenue_*. Outside cash flow (a hyperscaler's other business) is not revenue.
REVENUE = frozenset(k for k in PNL if k.startswith("revenue"))


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

    def sealed(self, *, cash_musd: float, debt_musd: float, net_income_musd: float, depreciation_musd: float) -> PrivateReport:
        """The report as the quarter closes: read-only, shared with no one, with the closing figures.
        Made field by field (attrs.evolve would look the fields up for every company every quarter):
        a new field is sealed here too."""
        return PrivateReport(
            self.company,
            self.quarter,
            lines=tuple(self._lines),  # each line is a str or a tuple of a template and its values
            rejected=read_only(self.rejected),
            pnl=ReadOnlyDict(self.pnl),
            cash_musd=cash_musd,
            debt_musd=debt_musd,
            net_income_musd=net_income_musd,
            depreciation_musd=depreciation_musd,
        )

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
    companies: dict[str, ReadOnlyDict] = field(factory=dict)  # each company's row, written read-only at the close

    def sealed(self, *, news: list[str]) -> PublicReport:
        """The report as the quarter closes: read-only, with the quarter's news. Made field by
        field: a new field is sealed here too. Each company's row is written read-only by the
        close, for this report alone, so it is not copied again."""
        return PublicReport(
            self.quarter,
            news=tuple(news),
            events=read_only(self.events),
            markets=read_only(self.markets),
            bankruptcies=tuple(self.bankruptcies),
            online=read_only(self.online),
            companies=ReadOnlyDict(self.companies),
        )


class Derived:
    """The one owner of the engine's caches: figures worked out from the state and kept until
    what they come from changes. Each kind has one rule for when it is dropped:

    - game:    worked out from the scenario alone; kept for the whole game.
    - quarter: worked out from the quarter's news (drift, event levers); dropped when the next
      quarter's news is in (new_quarter).
    - site:    worked out from one site (its chips, stage, cooling); dropped, with its owner's
      fleet, by forget_site, which every change to a site's chips, stage or owner calls.
    - power:   the view of a power source (observe); rebuilt when a figure it shows (energised,
      the site it feeds, its ready quarter) is no longer the source's.
    - books:   a company's asset book sums, held from its depreciation to the next markets
      (no book value moves in between); dropped by release_books.
    - alive:   the companies still in the game; dropped at a bankruptcy.
    """

    __slots__ = ("game", "quarter", "figures", "free_kw", "site_views", "fleets", "power_views", "books", "alive")

    def __init__(self) -> None:
        self.game: dict[Any, Any] = {}
        self.quarter: dict[Any, Any] = {}
        self.figures: dict[str, tuple] = {}  # site id -> GameCore.site_figures
        self.free_kw: dict[str, float] = {}  # site id -> GameCore.site_free_kw
        self.site_views: dict[str, Any] = {}  # site id -> the SiteView of an online site (observe)
        self.fleets: dict[str, tuple] = {}  # company id -> GameCore.fleet
        self.power_views: dict[str, Any] = {}  # power source id -> its PowerView (observe)
        self.books: dict[str, tuple] = {}  # company id -> GameCore.asset_books, while held
        self.alive: tuple[Company, ...] | None = None

    def new_quarter(self) -> None:
        self.quarter = {}

    def forget_site(self, sid: str, owner: str | None) -> None:
        self.figures.pop(sid, None)
        self.free_kw.pop(sid, None)
        self.site_views.pop(sid, None)
        if owner is not None:
            self.fleets.pop(owner, None)


@define
class GameCore:
    """The game's state (spec, world, the quarter's reports and levers) and the shared helpers
    every phase uses; what it works out from the state is kept in `derived`."""

    spec: Scenario
    seed: int
    world: World
    randomness: Draws  # every exogenous draw, by (quarter, purpose, key): see rng.py
    end: dict[str, int]  # generation -> last quarter index it is made in
    public: PublicReport = None  # this quarter's, while it is being resolved
    private: dict[str, PrivateReport] = field(factory=dict)
    levers: Levers = field(factory=Levers)  # the active events' levers this quarter
    depreciation: dict[str, float] = field(factory=dict)  # this quarter, per company
    equity_raised: dict[str, float] = field(factory=dict)
    derived: Derived = field(factory=Derived, repr=False)

    # ---- time -------------------------------------------------------------------------------
    @property
    def q(self) -> int:
        return self.world.quarter

    def label(self, index: int | None = None) -> str:
        i = self.world.quarter if index is None else index
        key = ("label", i)
        text = self.derived.game.get(key)
        if text is None:
            text = self.derived.game[key] = quarter_label(self.spec.game.start, i)
        return text

    def release_quarter(self, gen: str) -> int:
        """The quarter index a generation is (or was) released in, events' shifts included."""
        return self.world.generations[gen].release_quarter

    def released(self, gen: str, at: int | None = None) -> bool:
        t = self.world.quarter if at is None else at
        return self.world.generations[gen].release_quarter <= t

    def in_production(self, gen: str) -> bool:
        q = self.world.quarter
        return self.released(gen, q) and q <= self.end[gen]

    def shift_release(self, gen: str, quarters: int) -> None:
        """A generation not yet on sale ships `quarters` later (or earlier, if negative; at the
        earliest now), for good. One on sale since an earlier quarter is not taken back; one due
        this quarter is not yet on sale (the news comes before the orders), so it can still slip."""
        gs = self.world.generations[gen]
        if gs.release_quarter < self.world.quarter:
            return
        gs.release_quarter = max(self.world.quarter, gs.release_quarter + quarters)

    def draws(self, purpose: str, *key: str | int) -> np.random.Generator:
        """The generator for this quarter's draws of one purpose (narrowed by key): see rng.py."""
        return self.randomness.get(self.world.quarter, purpose, *key)

    def tie_keys(self, purpose: str, *key: str | int) -> TieKeys:
        """Tie-break keys from this quarter's draws of one purpose (narrowed by key), its
        generator made only if a tie reads a key (see TieKeys)."""
        return TieKeys(make=partial(self.draws, purpose, *key))

    # ---- derived figures (kept in self.derived; see Derived for when each is dropped) -----------
    def cache(self, name: str, build):
        """A per-game object derived from the spec alone, built on first use."""
        hit = self.derived.game.get(name)
        if hit is None:
            hit = self.derived.game[name] = build(self)
        return hit

    def this_quarter(self, key: Any, build):
        """A figure derived from this quarter's news, built on first use and dropped at the next news."""
        store = self.derived.quarter
        hit = store.get(key)
        if hit is None:
            hit = store[key] = build()
        return hit

    def open_rfp(self, rid: Any) -> Any:
        """The open RFP with this id, or None."""
        if not isinstance(rid, str):
            return None
        return next((r for r in self.world.rfps if r.id == rid), None)

    # ---- event levers -------------------------------------------------------------------------
    def mod(self, lever: str, target: str = "", neutral: float | None = None) -> float:
        """A lever's value for a target this quarter (levers.py: global and targeted pulls combined).
        A lever's neutral value is its own (1 for a multiplier, 0 for the rest); `neutral` is
        accepted from callers that still name it, and not used."""
        return self.levers.value(lever, target)

    def set_levers(self, levers: Levers) -> None:
        """The quarter's levers (last quarter's object is kept, with the values it has worked out,
        when the events pull the same levers: most quarters bring the same events, or none)."""
        if levers != self.levers:
            self.levers = levers

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
        hit = self.derived.alive
        if hit is None:
            hit = self.derived.alive = tuple(c for c in self.world.companies.values() if c.alive)
        return hit

    def bury(self, c: Company) -> None:
        """A company leaves the game."""
        c.alive = False
        self.derived.alive = None

    # ---- capacity ------------------------------------------------------------------------------
    def site_figures(self, site: Site) -> tuple[float, float, float, tuple[tuple[int, float], ...]]:
        """(kW drawn, H100e, ecosystem-weighted H100e, H100e by release quarter) of a site's
        accelerators; cached until an installation calls forget_site."""
        f = self.derived.figures.get(site.id)
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
                rel = self.world.generations[gid].release_quarter
                by_release[rel] = by_release.get(rel, 0.0) + x
            f = self.derived.figures[site.id] = (kw, h, eco, tuple(sorted(by_release.items())))
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
        f = self.derived.free_kw.get(site.id)
        if f is None:
            f = self.derived.free_kw[site.id] = self.site_it_mw(site) * 1000 - self.site_used_kw(site)
        return f

    def forget_site(self, site: Site, owner: Company | None = None) -> None:
        """Drop what is cached about a site whose chips or stage changed (and its owner's totals)."""
        self.derived.forget_site(site.id, owner.id if owner is not None else None)

    def fleet(self, c: Company) -> tuple[dict, float]:
        """A company's online sites with chips, summed by (region, cooling, power source kind,
        its contract price): [kW, H100e, ecosystem-weighted H100e, {release: H100e}]; and its
        largest such site's MW. Cached until one of its sites changes (forget_site)."""
        hit = self.derived.fleets.get(c.id)
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
            hit = self.derived.fleets[c.id] = (groups, largest)
        return hit

    def asset_books(self, c: Company) -> tuple[float, float, float]:
        """The book values of a company's sites, power sources and chip cohorts, each summed."""
        hit = self.derived.books.get(c.id)
        if hit is None:
            hit = (sum([s.book_musd for s in c.sites]), sum([p.book_musd for p in c.power]), sum([k.book_musd for k in c.cohorts]))
        return hit

    def hold_books(self, c: Company) -> None:
        """Keep a company's asset_books() once depreciation has written its assets down: no book
        value changes again until the next quarter's markets (release_books), or a bankruptcy
        (which drops them), so finance, views and order checks read these sums."""
        books = self.derived.books
        books.pop(c.id, None)
        books[c.id] = self.asset_books(c)

    def release_books(self, c: Company | None = None) -> None:
        """Books may change from here (the markets open, or c's assets go to auction)."""
        if c is None:
            self.derived.books.clear()
        else:
            self.derived.books.pop(c.id, None)

    def book_equity(self, c: Company) -> float:
        """Cash, plus every asset at its depreciated book value, less debt."""
        sites, power, chips = self.asset_books(c)
        return c.cash_musd + sites + power + chips + c.deposits_musd - c.debt_musd

    def book_assets(self, c: Company) -> float:
        return self.book_equity(c) + c.debt_musd


def design_pue_of(spec: Scenario, cooling: str, region: str) -> float:
    """PUE a hall is built for: its cooling's, plus the climate's toll on air cooling."""
    cool = spec.cooling[cooling]
    return cool.pue + (0.0 if cool.hosts_liquid_only else spec.regions[region].climate_air_pue_add)


def starting_hall_book_musd(spec: Scenario, region: str, cooling: str, mw: float) -> float:
    """Book value of a hall a company holds when the game begins: its IT load (grid MW over the
    design PUE) at the cooling's capex per MW of IT load and the region's multiplier."""
    it_mw = mw / design_pue_of(spec, cooling, region)
    return spec.cooling[cooling].capex_musd_per_it_mw * spec.regions[region].facility_capex_multiplier * it_mw


def _design_pues(g: GameCore) -> dict[tuple[str, str], float]:
    return {(kind, rid): design_pue_of(g.spec, kind, rid) for kind in g.spec.cooling for rid in g.spec.regions}


def new_core(spec: Scenario, seed: int) -> GameCore:
    """The world at the start of the first quarter, from the scenario's starting state."""
    start = spec.game.start
    end = {gid: quarter_offset(start, g.end) for gid, g in spec.generations.items()}
    regions = {
        rid: RegionState(rid, r.power_price_usd_per_mwh, r.crews_initial, r.wage_reserve_musd_per_crew_quarter)
        for rid, r in spec.regions.items()
    }
    vendors = {vid: VendorState(vid, v.packaging_units_per_quarter, v.hbm_units_per_quarter) for vid, v in spec.vendors.items()}
    gens = {gid: GenerationState(gid, g.list_price_musd, release_quarter=quarter_offset(start, g.release)) for gid, g in spec.generations.items()}
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
    core = GameCore(spec, seed, world, Draws(seed), end)
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
            capex = starting_hall_book_musd(spec, s.region, s.cooling, s.mw)
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
        # what its starting halls hold, as the compute market will count it: without this every
        # view of the first quarter shows no capacity, and no one can answer its RFPs
        c.capacity_h100e = sum(h for _, h, _, _ in core.fleet(c)[0].values())
        world.companies[cid] = c
    for cid, c in world.companies.items():
        for site in c.sites:
            for g, n in site.installed.items():
                world.chips_supplied[g] = world.chips_supplied.get(g, 0) + n
        for g, n in c.inventory.items():
            world.chips_supplied[g] = world.chips_supplied.get(g, 0) + n
    return core
