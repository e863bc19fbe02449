"""What one company may know in a quarter (docs/rules.md, "Information and views"). Built by engine.observe and nowhere else.

Every record is frozen and every container in one is a tuple or a ReadOnlyDict, so an agent
cannot write to its view, and no view holds an object of the engine's: the regions, generations,
RFPs, lots and rivals of a quarter are one set of records shared by every company's view, and
the rules (`scenario`) are each company's own read-only copy. An out-of-process bot gets the
same view as JSON.
"""

from __future__ import annotations

from typing import Any, Mapping

import attrs
from attrs import frozen

from ..scenario import Scenario

_ATOMS = frozenset({str, int, float, bool, type(None)})


def _refuse(self, *args: Any, **kwargs: Any) -> None:
    raise TypeError("a view is read-only")


class ReadOnlyDict(dict):
    """A dict that refuses every write. A dict still (JSON, cattrs and == read it as one), and it
    copies and pickles like one: a what-if tournament deep-copies whole games."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):
        return (ReadOnlyDict, (dict(self),))

    def __repr__(self) -> str:
        return f"ReadOnlyDict({dict.__repr__(self)})"
_FIELDS: dict[type, tuple[tuple[str, str], ...]] = {}  # frozen attrs class -> (name, alias) of each init field


def read_only(x: Any) -> Any:
    """A deep read-only copy: mappings become ReadOnlyDicts, lists tuples, frozen records fresh
    frozen records (so the copy shares no container with the original). Atoms are kept as they
    are without a call: most of a report's values are numbers."""
    cls = type(x)
    if cls in _ATOMS:
        return x
    if cls is dict or cls is ReadOnlyDict:
        if _ATOMS.issuperset(map(type, x.values())):  # figures only (most of a report): one copy
            return ReadOnlyDict(x)
        return ReadOnlyDict({k: v if type(v) in _ATOMS else read_only(v) for k, v in x.items()})
    if cls is list or cls is tuple:
        if _ATOMS.issuperset(map(type, x)):
            return tuple(x)
        return tuple([v if type(v) in _ATOMS else read_only(v) for v in x])
    names = _FIELDS.get(cls)
    if names is None:
        if isinstance(x, Mapping):
            return ReadOnlyDict({k: read_only(v) for k, v in x.items()})
        if isinstance(x, (list, tuple)):
            return tuple([read_only(v) for v in x])
        if isinstance(x, (set, frozenset)):
            return frozenset(x)
        if not (attrs.has(cls) and is_frozen(cls)):
            raise TypeError(f"no read-only form for a {cls.__name__}")
        names = _FIELDS[cls] = tuple((a.name, a.alias) for a in attrs.fields(cls) if a.init)
    return cls(**{alias: read_only(getattr(x, name)) for name, alias in names})


def is_frozen(cls: type) -> bool:
    """Whether an attrs class refuses attribute writes (@frozen)."""
    return getattr(cls.__setattr__, "__name__", "") == "_frozen_setattrs"


@frozen
class RegionView:
    id: str
    name: str
    latency_tier: int
    power_price_usd_per_mwh: float
    queue_wait_quarters_min: int
    queue_wait_quarters_max: int
    grid_release_mw: float  # on offer this quarter
    grid_reserve_price_musd_per_mw: float
    last_grid_price_musd_per_mw: float
    last_grid_mw: float
    last_grid_bid_mw: float
    crews_pool: float
    wage_reserve_musd: float
    last_wage_musd: float
    permitting_quarters: int
    moratorium: bool
    export_restricted: bool
    gas_allowed: bool
    smr_allowed: bool
    capex_musd_per_mw: Mapping[str, float]  # by cooling kind, this quarter
    inference_demand_weight: float


@frozen
class GenerationView:
    id: str
    name: str
    vendor: str
    custom: bool
    performance_h100e: float
    power_kw: float
    list_price_musd: float
    apa_price_musd: float
    liquid_only: bool
    export_controlled: bool
    released: bool
    in_production: bool
    release_quarter: int
    ecosystem_factor: float
    supply_units: int  # last quarter's
    last_spot_price_musd: float
    last_spot_units: int
    apa_room_units: int  # per quarter still open for new agreements


@frozen
class RfpView:
    id: str
    customer: str
    h100e: float
    quarters: int
    min_site_mw: float
    min_release_quarter: int
    max_price_usd_per_h100e_hour: float


@frozen
class LotView:
    id: str
    kind: str
    region: str
    mw: float
    reserve_musd: float
    seller: str
    stage: str
    accelerators: int
    quarters_left: int


@frozen
class RivalView:
    id: str
    name: str
    archetype: str
    alive: bool
    online_mw: float
    pipeline_mw: float  # announced sites not yet online
    sites: int
    capacity_h100e: float
    power_mw: float  # held, energised or not


@frozen
class SiteView:
    id: str
    region: str
    mw: float
    cooling: str
    stage: str
    stage_quarters: int
    built_mw: float
    blocked_by: str  # "" when nothing blocks it
    expected_online: int  # quarter index estimate, -1 if unknown
    installed: Mapping[str, int]
    free_mw: float  # IT MW still free for accelerators
    power: str
    fast_track: bool
    it_mw: float  # IT load it can host: grid MW ÷ design PUE


@frozen
class PowerView:
    id: str
    kind: str
    region: str
    mw: float
    ready_quarter: int
    energised: bool
    site: str | None
    price_usd_per_mwh: float


@frozen
class ContractView:
    id: str
    customer: str
    supplier: str
    h100e: float
    price_usd_per_h100e_hour: float
    quarters_left: int
    kind: str


@frozen
class AgreementView:
    id: str
    generation: str
    units_per_quarter: int
    quarters_left: int
    price_musd_per_unit: float


@frozen
class DeliveryView:
    quarter: int
    generation: str
    units: int


@frozen
class MeView:
    id: str
    name: str
    archetype: str
    special_moves: tuple[str, ...]
    cash_musd: float
    debt_musd: float
    debt_rate: float
    borrow_headroom_musd: float
    book_equity_musd: float
    ownership: float
    covenant_breached: bool
    distress_quarters: int
    sites: tuple[SiteView, ...]
    power: tuple[PowerView, ...]
    inventory: Mapping[str, int]
    deliveries: tuple[DeliveryView, ...]
    agreements: tuple[AgreementView, ...]
    contracts: tuple[ContractView, ...]  # as supplier
    subcontracts: tuple[ContractView, ...]  # as customer
    asic_quarters_funded: int
    asic_active: bool
    internal_demand_h100e: float
    outside_cash_flow_musd: float
    capacity_h100e: float
    used_h100e: float
    revenue_musd: float
    net_income_musd: float
    ebitda_musd: float


@frozen
class CompanyView:
    scenario: Scenario  # the rules as this company may read them (observe.public_rules)
    quarter: int
    quarter_label: str
    quarters_total: int
    price_index: float
    demand_h100e: float
    inference_share: float
    gas_supply_mw: float
    gas_reserve_price_musd_per_mw: float
    last_gas_price_musd_per_mw: float
    smr_first_delivery_quarter: int
    me: MeView
    rivals: tuple[RivalView, ...]
    regions: tuple[RegionView, ...]
    generations: tuple[GenerationView, ...]
    rfps: tuple[RfpView, ...]
    lots: tuple[LotView, ...]
    news: tuple[str, ...]
    last_public: Any  # last quarter's sealed PublicReport, or None
    last_private: Any  # my sealed PrivateReport of last quarter, or None

    @property
    def quarters_left(self) -> int:
        return self.quarters_total - self.quarter

    def region(self, rid: str) -> RegionView:
        for r in self.regions:
            if r.id == rid:
                return r
        raise KeyError(f"no region {rid!r}")

    def generation(self, gid: str) -> GenerationView:
        for x in self.generations:
            if x.id == gid:
                return x
        raise KeyError(f"no generation {gid!r}")
