"""The validated, immutable scenario spec: every number a rule uses lives here."""

from __future__ import annotations

from typing import Any

from attrs import field, frozen


def num(lo: float | None = None, hi: float | None = None, default: Any = None, *, required: bool = False):
    """A numeric field with an inclusive range the loader checks and reports."""
    meta = {"min": lo, "max": hi}
    if required or default is None:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def quarter_field(default: str | None = None):
    """A quarter label such as "2027Q3"; the loader checks its form."""
    meta = {"quarter": True}
    if default is None:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def ref_field(table: str, default: Any = None, *, many: bool = False):
    """A reference to a key of another table; the loader checks it exists."""
    meta = {"ref": table, "many": many}
    if default is None and not many:
        return field(metadata=meta)
    return field(default=default if default is not None else (), metadata=meta)


def choice(options: tuple[str, ...], default: str | None = None):
    meta = {"choices": options}
    if default is None:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


COOLING_KINDS = ("air", "liquid", "immersion")
ARCHETYPES = ("hyperscaler", "neocloud")
SPECIAL_MOVES = ("asic", "smr", "fast_track", "distressed_sites", "reserved_allocation", "subcontract")
EVENT_SCOPES = ("global", "region", "vendor", "generation")
# The levers an event may pull; each is read by exactly one engine rule.
EVENT_LEVERS = (
    "queue_wait_add_quarters",  # region: new queue positions wait longer
    "grid_release_multiplier",  # region: MW released to the interconnect auction
    "power_price_multiplier",  # region/global: wholesale $/MWh
    "air_pue_add",  # region: heat wave on air-cooled halls
    "outage_fraction",  # region: share of air-cooled capacity lost for the quarter (a heat wave)
    "moratorium",  # region: 1 = no permits and no grid auction
    "export_restricted",  # region: 1 = export-controlled generations may not be installed
    "supply_multiplier",  # vendor/global: packaging and HBM output
    "smr_delay_add_quarters",  # global: every undelivered SMR PPA slips
    "demand_multiplier",  # global: compute demand (boom > 1, efficiency shock < 1)
    "training_demand_multiplier",  # global: training RFP volume
    "rate_add",  # global: interest-rate move, added to every company's rate
    "construction_speed_multiplier",  # region/global: transformer and switchgear shortage
    "crews_multiplier",  # region: strike
    "release_shift_quarters",  # generation: next generation early (<0) or late (>0)
    "customer_default",  # global, one-shot: a training customer walks away from its contract
    "gas_price_multiplier",  # global: carbon price or gas spike
)
# The measures a scenario's [targets] may name; game/measures.py defines each, from a finished
# game's reports (docs/research.md lists them with their definitions).
MEASURES = (
    "utilisation_ratio",  # neo-cloud ÷ hyperscaler mean utilisation
    "greenfield_quarters_congested",  # power secured -> online, regions with the longer queues
    "greenfield_quarters_open",  # the same, regions with the shorter queues
    "greenfield_congested_vs_open",  # the ratio of the two
    "power_to_online_quarters",  # power secured -> online in one `region`
    "power_share_of_cash_costs",  # power ÷ all cash operating costs
    "power_largest_cash_cost",  # 1 when power is the largest cash operating cost
    "inference_share_first_year",  # inference share of realised compute spend, first year
    "inference_share_last_year",  # the same, last year
    "chip_bids_to_supply",  # chip units bid ÷ supplied, first three years
    "chip_binding_share",  # share of generation-quarters, first three years, where bids >= supply
    "early_power_lead",  # rank correlation: power held after year one vs capacity at the end
    "price_to_cost_last_year",  # clearing price ÷ cost of serving an H100e-hour, last year
    "demand_served_share",  # inference demand served ÷ demand, last year
    "h100e_online_end",  # H100e installed at the end, every company
    "neocloud_distress",  # share of neo-clouds ever in distress or bankrupt
    "neocloud_bankrupt",  # share of neo-clouds bankrupt
    "hyperscaler_beats_neocloud",  # share of (hyperscaler, neo-cloud) pairs the hyperscaler outranks
    "neocloud_first",  # 1 when a neo-cloud finishes first
    "subcontract_spend_musd",  # sub-contract spend, every company
)
REGION_MEASURES = ("power_to_online_quarters",)  # the measures a target must give a `region`


@frozen(kw_only=True)
class GameSpec:
    name: str
    description: str
    start: str = quarter_field()
    quarters: int = num(1, 80, required=True)


@frozen(kw_only=True)
class RulesSpec:
    hours_per_quarter: float = num(1, 2200, required=True)
    tax_rate: float = num(0, 0.6, required=True)
    idle_power_fraction: float = num(0, 1, required=True)
    opex_musd_per_it_mw_quarter: float = num(0, 10, required=True)  # per MW of IT load drawn by installed accelerators
    facility_depreciation_quarters: int = num(1, 200, required=True)
    power_depreciation_quarters: int = num(1, 200, required=True)
    construction_mw_per_crew_quarter: float = num(0.01, 1000, required=True)
    commissioning_quarters: int = num(0, 12, required=True)
    facility_capex_escalation_per_quarter: float = num(-0.1, 0.2, required=True)
    fast_track_permit_factor: float = num(0, 1, required=True)
    fast_track_cost_multiplier: float = num(1, 5, required=True)
    retrofit_quarters: int = num(0, 12, required=True)
    retrofit_capex_musd_per_it_mw: float = num(0, 100, required=True)  # per MW of IT load of the refitted hall
    retrofit_expensed_fraction: float = num(0, 1, default=0.0)  # share of a retrofit's cost that is rework (P&L), not plant (book)
    power_confirmed_quarters_ahead: int = num(0, 80, default=80)
    min_interconnect_award_mw: float = num(0, 1e5, default=0.0)  # a partly filled interconnect bid below this gets nothing
    interconnect_share_max: float = num(0.01, 1, default=1.0)  # the most of a region's quarterly release one company may win
    unused_power_forfeit_quarters: int = num(1, 200, default=200)  # an energised grid position with no site for this long is withdrawn, its deposit lost  # a permit is granted only once the site's power is due within this many quarters
    max_orders_per_quarter: int = num(1, 10000, required=True)
    max_site_mw: float = num(1, 100000, required=True)
    price_index_sensitivity: float = num(0, 5, required=True)
    price_index_floor_usd_per_h100e_hour: float = num(0, 100, required=True)
    price_index_ceiling_usd_per_h100e_hour: float = num(0, 1000, required=True)
    price_index_excess_cap: float = num(0, 10, required=True)  # |unmet − idle| / demand counted at most this much in one quarter
    contract_shortfall_penalty: float = num(0, 5, required=True)
    distress_quarters_to_bankruptcy: int = num(1, 20, required=True)
    covenant_penalty_rate: float = num(0, 1, required=True)
    equity_issue_discount: float = num(0, 0.95, required=True)
    equity_raise_max_fraction: float = num(0, 10, required=True)
    asset_reserve_fraction_of_book: float = num(0, 5, required=True)
    asset_lot_quarters: int = num(1, 8, required=True)
    # external bots (docs/bot-protocol.md): wall-clock limits decide faults only, never the game
    bot_quarter_time_limit_s: float = num(0.01, 3600, default=2.0)
    bot_startup_time_limit_s: float = num(0, 3600, default=5.0)  # added to the first quarter after a (re)start
    bot_max_faults: int = num(1, 1000, default=3)  # faults before a bot's seat plays no more orders


@frozen(kw_only=True)
class CoolingSpec:
    name: str
    pue: float = num(1.0, 3.0, required=True)
    capex_musd_per_it_mw: float = num(0, 200, required=True)  # facility capex per MW of IT load, less the crews' wages
    hosts_liquid_only: bool = field()
    outage_fraction: float = num(0, 1, default=0.0)


@frozen(kw_only=True)
class ArchetypeSpec:
    debt_rate_base_per_year: float = num(0, 1, required=True)
    debt_rate_leverage_slope: float = num(0, 1, required=True)
    contract_backed_discount: float = num(0, 1, required=True)
    max_leverage: float = num(0, 1, required=True)
    min_interest_coverage: float = num(0, 100, required=True)
    # No rule reads it: utilisation comes out of the compute market (docs/rules.md, "Compute
    # market"). The built-in agents still plan with it; it goes when they stop.
    enterprise_premium: float = num(-5, 5, required=True)
    reliability: float = num(0, 1, required=True)
    special_moves: tuple[str, ...] = field(default=(), metadata={"each_choice": SPECIAL_MOVES})


@frozen(kw_only=True)
class RegionSpec:
    name: str
    grid_release_mw_per_quarter: float = num(0, 100000, required=True)
    grid_reserve_price_musd_per_mw: float = num(0, 100, required=True)
    queue_wait_quarters_min: int = num(0, 80, required=True)
    queue_wait_quarters_max: int = num(0, 80, required=True)
    queue_slip_probability: float = num(0, 1, required=True)
    queue_congestion_mw_per_quarter: float = num(0, 1e6, default=0.0)  # MW waiting in the queue that add a quarter to a new position's wait (0: none)
    power_price_rise_per_gw: float = num(0, 10, default=0.0)  # fractional rise of the grid price per GW of data-centre load energised
    power_price_usd_per_mwh: float = num(0, 2000, required=True)
    power_price_drift_per_quarter: float = num(-0.5, 0.5, required=True)
    power_price_volatility: float = num(0, 1, required=True)
    climate_air_pue_add: float = num(0, 1, required=True)
    crews_initial: float = num(0, 100000, required=True)
    crew_growth_per_quarter: float = num(-0.5, 1, required=True)
    wage_reserve_musd_per_crew_quarter: float = num(0, 100, required=True)
    wage_drift_per_quarter: float = num(-0.5, 0.5, required=True)
    training_musd_per_crew: float = num(0.001, 1000, required=True)
    training_lead_quarters: int = num(0, 40, required=True)
    permitting_quarters: int = num(0, 40, required=True)
    latency_tier: int = num(1, 3, required=True)
    export_restricted: bool = field(default=False)
    facility_capex_multiplier: float = num(0.1, 5, required=True)
    inference_demand_weight: float = num(0, 1000, required=True)
    gas_allowed: bool = field(default=True)
    smr_allowed: bool = field(default=True)


@frozen(kw_only=True)
class VendorSpec:
    name: str
    custom: bool = field(default=False)
    packaging_units_per_quarter: float = num(0, 1e9, required=True)
    hbm_units_per_quarter: float = num(0, 1e9, required=True)
    packaging_growth_per_quarter: float = num(-0.5, 1, required=True)
    hbm_growth_per_quarter: float = num(-0.5, 1, required=True)
    delivery_lead_quarters: int = num(0, 20, required=True)
    neocloud_reserved_share: float = num(0, 1, default=0.0)
    apa_max_share: float = num(0, 1, required=True)
    apa_deposit_fraction: float = num(0, 1, required=True)
    apa_discount: float = num(-1, 0.9, required=True)
    apa_max_quarters: int = num(1, 40, required=True)
    spot_reserve_fraction: float = num(0, 10, required=True)


@frozen(kw_only=True)
class GenerationSpec:
    name: str
    vendor: str = ref_field("vendors")
    performance_h100e: float = num(0.01, 1000, required=True)
    power_kw: float = num(0.01, 1000, required=True)
    list_price_musd: float = num(0, 100, required=True)
    list_price_drift_per_quarter: float = num(-0.5, 0.5, required=True)
    liquid_only: bool = field()
    release: str = quarter_field()
    end: str = quarter_field(default="2099Q4")
    ecosystem_factor: float = num(0, 2, required=True)
    depreciation_quarters: int = num(1, 100, required=True)
    supply_weight: float = num(0, 100, default=1.0)
    export_controlled: bool = field(default=False)


@frozen(kw_only=True)
class AsicSpec:
    generation: str = ref_field("generations")
    programme_quarters: int = num(1, 40, required=True)
    programme_cost_musd_per_quarter: float = num(0, 1e6, required=True)


@frozen(kw_only=True)
class GasSpec:
    turbine_supply_mw_per_quarter: float = num(0, 1e6, required=True)
    turbine_supply_growth_per_quarter: float = num(-0.5, 1, required=True)
    reserve_price_musd_per_mw: float = num(0, 100, required=True)
    lead_quarters_min: int = num(0, 40, required=True)
    lead_quarters_max: int = num(0, 40, required=True)
    price_usd_per_mwh: float = num(0, 2000, required=True)


@frozen(kw_only=True)
class SmrSpec:
    first_delivery: str = quarter_field()
    delivery_lead_quarters: int = num(0, 80, required=True)
    delay_probability_per_quarter: float = num(0, 1, required=True)
    max_mw_per_quarter: float = num(0, 1e6, required=True)
    deposit_musd_per_mw: float = num(0, 100, required=True)
    price_usd_per_mwh: float = num(0, 2000, required=True)


@frozen(kw_only=True)
class PoweredSiteSpec:
    probability_per_quarter: float = num(0, 1, required=True)
    mw_min: float = num(1, 1e5, required=True)
    mw_max: float = num(1, 1e5, required=True)
    reserve_price_musd_per_mw: float = num(0, 1000, required=True)
    regions: tuple[str, ...] = ref_field("regions", many=True)


@frozen(kw_only=True)
class PowerSpec:
    gas: GasSpec
    smr: SmrSpec
    powered_sites: PoweredSiteSpec


@frozen(kw_only=True)
class SegmentSpec:
    name: str
    share_of_inference: float = num(0, 1, required=True)
    max_latency_tier: int = num(1, 3, required=True)
    price_weight: float = num(0, 100, required=True)
    latency_weight: float = num(0, 100, required=True)
    home_region_bonus: float = num(0, 100, required=True)
    ecosystem_weight: float = num(0, 100, required=True)
    reliability_weight: float = num(0, 1000, required=True)
    outside_option: float = num(-100, 100, required=True)


@frozen(kw_only=True)
class TrainingSpec:
    rfps_per_quarter: int = num(0, 100, required=True)
    gap_tendered_per_quarter: float = num(0, 1, required=True)  # share of uncontracted training demand put out as RFPs
    contract_quarters_min: int = num(1, 40, required=True)
    contract_quarters_max: int = num(1, 40, required=True)
    min_site_mw: float = num(0, 1e5, required=True)
    current_generation_quarters: int = num(0, 80, required=True)
    price_premium: float = num(0, 10, required=True)
    rfp_size_concentration: float = num(0.01, 1000, required=True)  # Dirichlet: low = a few huge RFPs, high = equal sizes
    older_generation_discount: float = num(0, 1, required=True)  # pay cut on the share of an RFP served by generations older than it asks for
    price_weight: float = num(0, 100, required=True)  # how fast labs stop tendering as the index rises above what compute is worth
    outside_option: float = num(-100, 100, required=True)  # the pull of not tendering at all, at that worth


@frozen(kw_only=True)
class DemandSpec:
    total_h100e_initial: float = num(0, 1e12, required=True)
    growth_per_quarter_start: float = num(-0.5, 2, required=True)
    growth_per_quarter_end: float = num(-0.5, 2, required=True)
    inference_share_start: float = num(0, 1, required=True)
    inference_share_end: float = num(0, 1, required=True)
    price_index_initial_usd_per_h100e_hour: float = num(0.01, 1000, required=True)  # also what customers think an H100e-hour is worth at the start
    value_change_per_quarter: float = num(-0.5, 0.5, required=True)  # change of that worth per quarter
    spot_load_factor: float = num(0.05, 1, required=True)  # share of the time an H100e sold on demand is busy
    internal_headroom_fraction: float = num(0, 5, required=True)  # capacity a company holds back for its own demand's peaks, × that demand
    training: TrainingSpec
    segments: dict[str, SegmentSpec] = field(factory=dict)

    def growth_per_quarter(self, quarter: float, game_quarters: int) -> float:
        """Market demand growth in a quarter: from growth_per_quarter_start in the first quarter
        in a straight line to growth_per_quarter_end in the last (held there beyond it)."""
        f = min(1.0, max(0.0, quarter) / max(1, game_quarters - 1))
        return self.growth_per_quarter_start + (self.growth_per_quarter_end - self.growth_per_quarter_start) * f


@frozen(kw_only=True)
class SiteStartSpec:
    region: str = ref_field("regions")
    mw: float = num(1, 1e5, required=True)
    cooling: str = choice(COOLING_KINDS)
    chips: dict[str, int] = field(factory=dict, metadata={"keys_ref": "generations", "values_min": 0})


@frozen(kw_only=True)
class QueueStartSpec:
    region: str = ref_field("regions")
    mw: float = num(1, 1e5, required=True)
    energise: str = quarter_field()


@frozen(kw_only=True)
class CompanySpec:
    name: str
    archetype: str = ref_field("archetypes")
    agent: str
    cash_musd: float = num(0, 1e7, required=True)
    debt_musd: float = num(0, 1e7, required=True)
    outside_cash_flow_musd_per_quarter: float = num(0, 1e6, default=0.0)
    outside_cash_flow_growth_per_quarter: float = num(-0.5, 1, default=0.0)
    internal_demand_h100e: float = num(0, 1e10, default=0.0)
    internal_demand_growth_per_quarter: float = num(-0.5, 2, default=0.0)
    internal_value_multiple: float = num(0, 10, default=1.0)
    sites: tuple[SiteStartSpec, ...] = ()
    queue_positions: tuple[QueueStartSpec, ...] = ()
    inventory: dict[str, int] = field(factory=dict, metadata={"keys_ref": "generations", "values_min": 0})


@frozen(kw_only=True)
class EventSpec:
    title: str
    probability_per_quarter: float = num(0, 1, required=True)
    scope: str = choice(EVENT_SCOPES)
    duration_quarters: int = num(1, 80, required=True)
    effects: dict[str, float] = field(metadata={"keys_choice": EVENT_LEVERS})
    targets: tuple[str, ...] = ()


@frozen(kw_only=True)
class InjectSpec:
    quarter: str = quarter_field()
    event: str = ref_field("events")
    target: str = ""


@frozen(kw_only=True)
class ScoringSpec:
    """How a company's final position is valued and set against what it would have had anyway."""

    method: str = choice(("value_created",))
    backlog_margin_fraction: float = num(0, 1, required=True)  # margin counted on contracted revenue still to come
    discount_rate_per_year: float = num(0, 1, default=0.10)  # the rate future margin is discounted at
    horizon_quarters: int = num(0, 80, default=20)  # quarters of margin an online fleet still earns
    margin_decline_per_quarter: float = num(0, 0.5, default=0.03)  # chips age and prices fall: margin shrinks so much a quarter
    margin_quarters: int = num(1, 12, default=4)  # the last quarters whose margin per H100e is averaged
    idle_chip_value_fraction: float = num(0, 1, default=0.5)  # chips bought and never installed count at this share of book
    fit_out_quarters: int = num(0, 12, default=2)  # quarters a hall just online has to take its chips; its empty part counts at book meanwhile


@frozen(kw_only=True)
class TargetSpec:
    """A stylised fact the scenario claims: `measure` (the mean over seeded games) lies in
    [low, high]. With `against`, the fact is the difference from that scenario on the same
    seeds. `source` says where the band comes from (a scenario's own targets are not inherited)."""

    measure: str = choice(MEASURES)
    low: float = num(-1e12, 1e12, required=True)
    high: float = num(-1e12, 1e12, required=True)
    source: str
    region: str = ""  # for the measures of one region
    against: str = ""  # a scenario name or path: the fact is (this − that), paired by seed


@frozen(kw_only=True)
class Scenario:
    game: GameSpec
    rules: RulesSpec
    cooling: dict[str, CoolingSpec]
    archetypes: dict[str, ArchetypeSpec]
    regions: dict[str, RegionSpec]
    vendors: dict[str, VendorSpec]
    generations: dict[str, GenerationSpec]
    asic: AsicSpec
    power: PowerSpec
    demand: DemandSpec
    companies: dict[str, CompanySpec]
    scoring: ScoringSpec
    events: dict[str, EventSpec] = field(factory=dict)
    injects: tuple[InjectSpec, ...] = ()
    targets: dict[str, TargetSpec] = field(factory=dict)
    source: str = ""  # the file it came from; not part of the TOML
