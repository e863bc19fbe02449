"""The world state: everything that changes from quarter to quarter, and nothing else."""

from __future__ import annotations

from attrs import define, field

# Site pipeline stages, in order (docs/rules.md, "Build").
PERMITTING = "permitting"
POWER = "power"  # waiting for its power source to energise
CONSTRUCTION = "construction"
COMMISSIONING = "commissioning"
ONLINE = "online"
RETROFIT = "retrofit"
STAGES = (PERMITTING, POWER, CONSTRUCTION, COMMISSIONING, ONLINE, RETROFIT)

# Power-source kinds.
GRID = "grid"
GAS = "gas"
SMR = "smr"
POWERED_SITE = "powered_site"


@define
class PowerSource:
    id: str
    kind: str
    region: str
    mw: float
    ready_quarter: int  # quarter index at which it energises (may slip)
    energised: bool = False
    site: str | None = None  # the site it feeds, if any
    price_usd_per_mwh: float = 0.0  # 0 means the region's grid price
    book_musd: float = 0.0
    dep_musd_per_quarter: float = 0.0
    acquired_quarter: int = -1  # when its holder secured it; -1: held when the game began


@define
class Site:
    id: str
    region: str
    mw: float
    cooling: str
    power: str  # PowerSource id
    stage: str = PERMITTING
    stage_quarters: int = 0
    built_mw: float = 0.0
    fast_track: bool = False
    installed: dict[str, int] = field(factory=dict)  # generation -> accelerators
    book_musd: float = 0.0
    dep_musd_per_quarter: float = 0.0
    online_quarter: int = -1
    started_quarter: int = 0
    retrofit_to: str = ""


@define
class ChipCohort:
    """A batch of accelerators bought together: book value depreciates straight-line."""

    generation: str
    units: int
    book_musd: float
    dep_musd_per_quarter: float
    quarter: int = -1  # when bought; purchases of one generation in one quarter share a cohort


@define
class Delivery:
    quarter: int
    generation: str
    units: int
    cost_musd: float


@define
class ChipAgreement:
    id: str
    generation: str
    units_per_quarter: int
    quarters_left: int
    price_musd_per_unit: float
    deposit_musd: float  # remaining deposit, credited evenly against deliveries


@define
class Contract:
    id: str
    supplier: str  # company id
    customer: str  # "market" or a company id (sub-contracts)
    h100e: float
    price_usd_per_h100e_hour: float
    quarters_left: int
    min_release: int  # generations released at or after this quarter index qualify
    kind: str = "training"


@define
class Rfp:
    id: str
    customer: str  # "market" or the hyperscaler sub-contracting
    h100e: float
    quarters: int
    min_site_mw: float
    min_release: int
    max_price_usd_per_h100e_hour: float


@define
class AssetLot:
    """Something auctioned whole: a distressed powered site or a bankrupt company's asset."""

    id: str
    kind: str  # "powered_site" | "site" | "power" | "chips"
    region: str
    mw: float
    reserve_musd: float
    seller: str  # "market" or the bankrupt company's id
    quarters_left: int
    site: Site | None = None
    power: PowerSource | None = None
    chips: list[ChipCohort] = field(factory=list)


@define
class LedgerLine:
    category: str
    amount_musd: float
    note: str = ""


@define
class Company:
    id: str
    name: str
    archetype: str
    cash_musd: float
    debt_musd: float
    ownership: float = 1.0  # share of the company still held by the starting shareholders
    alive: bool = True
    bankrupt_quarter: int = -1
    distress_quarters: int = 0
    covenant_breached: bool = False
    tax_loss_musd: float = 0.0  # carried forward
    sites: list[Site] = field(factory=list)
    power: list[PowerSource] = field(factory=list)
    cohorts: list[ChipCohort] = field(factory=list)
    inventory: dict[str, int] = field(factory=dict)
    deliveries: list[Delivery] = field(factory=list)
    agreements: list[ChipAgreement] = field(factory=list)
    contracts: list[Contract] = field(factory=list)
    asic_quarters_funded: int = 0
    asic_active: bool = False
    internal_demand_h100e: float = 0.0
    outside_cash_flow_musd: float = 0.0
    deposits_musd: float = 0.0
    starting_equity_musd: float = 0.0
    ledger: list[LedgerLine] = field(factory=list)
    # quarter results, kept for views and reports
    capacity_h100e: float = 0.0
    used_h100e: float = 0.0
    revenue_musd: float = 0.0
    net_income_musd: float = 0.0
    ebitda_musd: float = 0.0
    interest_musd: float = 0.0
    crews: dict[str, float] = field(factory=dict)  # crews hired this quarter, by region
    crew_wage: dict[str, float] = field(factory=dict)  # the wage they cleared at
    cum_revenue_musd: float = 0.0  # revenue (engine.core.REVENUE) over the quarters played
    # what its spot offers would have earned this quarter had each asked the going rate (the
    # price index: what a company that names no price asks): the passive benchmark's spot sales
    going_rate_spot_musd: float = 0.0
    contracted_h100e_quarter: float = 0.0  # H100e its contracts held this quarter, those that ended with it included


@define
class RegionState:
    id: str
    power_price_usd_per_mwh: float
    crews_pool: float
    wage_reserve_musd: float
    training: list[list[float]] = field(factory=list)  # [ready_quarter, crews]
    last_grid_price_musd_per_mw: float = 0.0
    last_grid_mw: float = 0.0
    last_grid_bid_mw: float = 0.0
    last_wage_musd: float = 0.0
    last_crews_hired: float = 0.0


@define
class VendorState:
    id: str
    packaging_units: float
    hbm_units: float
    last_supply_units: float = 0.0


@define
class GenerationState:
    id: str
    list_price_musd: float
    release_quarter: int = 0  # quarter index it is (or was) released in; events may shift it once
    last_spot_price_musd: float = 0.0
    last_spot_units: int = 0
    last_supply_units: int = 0
    last_apa_units: int = 0


@define
class ActiveEvent:
    event: str
    title: str
    target: str  # "" for global
    quarters_left: int
    effects: dict[str, float]


@define
class World:
    quarter: int
    price_index: float
    demand_h100e: float
    regions: dict[str, RegionState]
    vendors: dict[str, VendorState]
    generations: dict[str, GenerationState]
    companies: dict[str, Company]
    gas_supply_mw: float
    next_id: int = 1
    rfps: list[Rfp] = field(factory=list)
    lots: list[AssetLot] = field(factory=list)
    events: list[ActiveEvent] = field(factory=list)
    news: list[str] = field(factory=list)
    last_gas_price_musd_per_mw: float = 0.0
    last_gas_mw: float = 0.0
    last_unmet_h100e: float = 0.0
    finished: bool = False
    # conservation counters: what entered and left the game
    chips_supplied: dict[str, int] = field(factory=dict)
    chips_scrapped: dict[str, int] = field(factory=dict)
    mw_created: float = 0.0
    mw_scrapped: float = 0.0

    def new_id(self, prefix: str) -> str:
        i = self.next_id
        self.next_id += 1
        return f"{prefix}{i}"
