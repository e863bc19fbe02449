"""Fixed-size encodings of one company's view: the observation vector, the coarse action, its masks.

Everything here reads only a CompanyView (engine.observe builds it); nothing reads raw state.
The layout is fixed for a scenario (and for optional padded slot counts), so a policy trained on
one game of a scenario accepts every other game of it. docs/rl.md documents each slot.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from attrs import frozen

from ..agents.policy import build, chips, compute, power
from ..agents.policy.holdings import CHIP_SOON_QUARTERS, Holdings, survey
from ..model import orders as o
from ..model.view import CompanyView, GenerationView, RegionView
from ..scenario import Scenario

OBS_LIMIT = 10.0  # every observation slot is clipped to [-OBS_LIMIT, OBS_LIMIT]

# Sizes and prices the coarse choices decode to (docs/rl.md explains each). Prices, markups and
# the sizing rules come from the built-in agents' policies (game/agents/policy), so a trained
# policy and the built-in agents bid alike.
POWER_SHARE_OF_RELEASE = (0.25, 0.75)  # "small", "large" share of a region's grid release
POWER_BID_MARKUP = power.BID_MARKUP  # × max(reserve, last clearing price)
GAS_SHARE_OF_SUPPLY = 0.5
GAS_BID_MARKUP = 1.1
CREW_NEED_MULTIPLE = (1.0, 1.5)  # × crews the region's building sites need
CREW_WAGE_MARKUP = build.WAGE_MARKUP
OFFER_PRICE_FACTORS = (0.8, 1.0, 1.2)  # × price index
CHIP_BID_MARKUP = chips.BID_MARKUP
CHIP_SUPPLY_SHARE = chips.SUPPLY_SHARE  # most of a generation's quarterly supply one bid asks for
APA_SUPPLY_SHARE = 0.1
APA_QUARTERS = 4
RFP_PRICE_FACTORS = (0.95, 0.85)  # × the RFP's ceiling
BORROW_SHARE = 0.5  # of covenant headroom
REPAY_SHARE = 0.5  # of spare cash
RAISE_SHARE = 0.5  # of what investors take this quarter
SMR_SHARE_OF_OFFER = 0.3
SUBCONTRACT_SHARE = 0.5  # of the unserved internal demand
SUBCONTRACT_QUARTERS = 4
SUBCONTRACT_PRICE_FACTOR = compute.SUBCONTRACT_PRICE_FACTOR
LOT_BID_MARKUP = power.LOT_BID_MARKUP
FUNDS_SAFETY = 0.98  # decoded orders spend at most this share of cash plus borrowing room


def money(musd: float) -> float:
    """Signed log of $bn: 0 → 0, ±$1bn → ±0.69, ±$10bn → ±2.4; keeps every company's books in range."""
    return math.copysign(math.log1p(abs(musd) / 1000.0), musd)


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else 0.0


def _floor(x: float, places: int) -> float:
    f = 10.0**places
    return math.floor(max(0.0, x) * f) / f


# ---- the observation ---------------------------------------------------------------------------


class _Mine:
    """Aggregates of the company's own holdings, by region and by generation, from its view."""

    def __init__(self, v: CompanyView):
        me = v.me
        self.power_mw: dict[str, float] = {}
        self.free_power_mw: dict[str, float] = {}
        self.online_mw: dict[str, float] = {}
        self.pipeline_mw: dict[str, float] = {}
        self.free_it_mw: dict[str, float] = {}
        self.installed: dict[str, int] = {}
        for p in me.power:
            _add(self.power_mw, p.region, p.mw)
            if p.site is None:
                _add(self.free_power_mw, p.region, p.mw)
        for s in me.sites:
            if s.stage == "online":
                _add(self.online_mw, s.region, s.mw)
                _add(self.free_it_mw, s.region, max(0.0, s.free_mw))
            else:
                _add(self.pipeline_mw, s.region, s.mw)
            for gid, n in s.installed.items():
                _add(self.installed, gid, n)
        self.deliveries: dict[str, int] = {}
        for d in me.deliveries:
            _add(self.deliveries, d.generation, d.units)
        self.agreements: dict[str, int] = {}
        for a in me.agreements:
            _add(self.agreements, a.generation, a.units_per_quarter)


def _add(d: dict, key: str, x: float) -> None:
    d[key] = d.get(key, 0) + x


Global = Callable[[CompanyView, _Mine], float]
PerRegion = Callable[[CompanyView, _Mine, RegionView], float]
PerGeneration = Callable[[CompanyView, _Mine, GenerationView], float]


GLOBAL_FEATURES: tuple[tuple[str, Global], ...] = (
    ("quarter_fraction", lambda v, m: _ratio(v.quarter, v.quarters_total)),
    ("quarters_left_fraction", lambda v, m: _ratio(v.quarters_left, v.quarters_total)),
    ("price_index_rel", lambda v, m: _ratio(v.price_index, v.scenario.demand.price_index_initial_usd_per_h100e_hour)),
    ("demand_rel", lambda v, m: _ratio(v.demand_h100e, v.scenario.demand.total_h100e_initial)),
    ("inference_share", lambda v, m: v.inference_share),
    ("gas_supply_gw", lambda v, m: v.gas_supply_mw / 1000),
    ("gas_last_price_rel", lambda v, m: _ratio(v.last_gas_price_musd_per_mw, v.gas_reserve_price_musd_per_mw)),
    ("rfps_open_per10", lambda v, m: len(v.rfps) / 10),
    ("rfps_h100e_rel", lambda v, m: _ratio(sum(r.h100e for r in v.rfps), v.demand_h100e)),
    ("rfps_best_ceiling_rel", lambda v, m: _ratio(max((r.max_price_usd_per_h100e_hour for r in v.rfps), default=0.0), v.price_index)),
    ("lots_on_offer_per10", lambda v, m: len(v.lots) / 10),
    ("rivals_alive_fraction", lambda v, m: _ratio(sum(r.alive for r in v.rivals), len(v.rivals))),
    ("rivals_capacity_rel", lambda v, m: _ratio(sum(r.capacity_h100e for r in v.rivals if r.alive), v.demand_h100e)),
    ("rivals_online_gw", lambda v, m: sum(r.online_mw for r in v.rivals if r.alive) / 1000),
    ("rivals_pipeline_gw", lambda v, m: sum(r.pipeline_mw for r in v.rivals if r.alive) / 1000),
    ("rivals_power_gw", lambda v, m: sum(r.power_mw for r in v.rivals if r.alive) / 1000),
    ("me_cash", lambda v, m: money(v.me.cash_musd)),
    ("me_debt", lambda v, m: money(v.me.debt_musd)),
    ("me_borrow_headroom", lambda v, m: money(v.me.borrow_headroom_musd)),
    ("me_book_equity", lambda v, m: money(v.me.book_equity_musd)),
    ("me_revenue", lambda v, m: money(v.me.revenue_musd)),
    ("me_net_income", lambda v, m: money(v.me.net_income_musd)),
    ("me_ebitda", lambda v, m: money(v.me.ebitda_musd)),
    ("me_outside_cash_flow", lambda v, m: money(v.me.outside_cash_flow_musd)),
    ("me_debt_rate", lambda v, m: v.me.debt_rate),
    ("me_ownership", lambda v, m: v.me.ownership),
    ("me_covenant_breached", lambda v, m: float(v.me.covenant_breached)),
    ("me_distress_fraction", lambda v, m: _ratio(v.me.distress_quarters, v.scenario.rules.distress_quarters_to_bankruptcy)),
    ("me_capacity_rel", lambda v, m: _ratio(v.me.capacity_h100e, v.demand_h100e)),
    ("me_utilisation", lambda v, m: _ratio(v.me.used_h100e, v.me.capacity_h100e)),
    ("me_internal_demand_rel", lambda v, m: _ratio(v.me.internal_demand_h100e, v.demand_h100e)),
    ("me_contracted_share", lambda v, m: _ratio(sum(k.h100e for k in v.me.contracts), v.me.capacity_h100e)),
    ("me_subcontracted_rel", lambda v, m: _ratio(sum(k.h100e for k in v.me.subcontracts), v.demand_h100e)),
    ("me_asic_active", lambda v, m: float(v.me.asic_active)),
    ("me_asic_progress", lambda v, m: _ratio(v.me.asic_quarters_funded, v.scenario.asic.programme_quarters)),
    ("me_power_gw", lambda v, m: sum(m.power_mw.values()) / 1000),
    ("me_power_energised_gw", lambda v, m: sum(p.mw for p in v.me.power if p.energised) / 1000),
    ("me_free_power_gw", lambda v, m: sum(m.free_power_mw.values()) / 1000),
    ("me_online_gw", lambda v, m: sum(m.online_mw.values()) / 1000),
    ("me_pipeline_gw", lambda v, m: sum(m.pipeline_mw.values()) / 1000),
    ("me_free_it_gw", lambda v, m: sum(m.free_it_mw.values()) / 1000),
    ("me_sites_per10", lambda v, m: len(v.me.sites) / 10),
)

REGION_FEATURES: tuple[tuple[str, PerRegion], ...] = (
    ("present", lambda v, m, r: 1.0),
    ("latency_tier_per3", lambda v, m, r: r.latency_tier / 3),
    ("power_price_per100", lambda v, m, r: r.power_price_usd_per_mwh / 100),
    ("queue_wait_min_per8", lambda v, m, r: r.queue_wait_quarters_min / 8),
    ("queue_wait_max_per8", lambda v, m, r: r.queue_wait_quarters_max / 8),
    ("grid_release_gw", lambda v, m, r: r.grid_release_mw / 1000),
    ("grid_reserve_price", lambda v, m, r: r.grid_reserve_price_musd_per_mw),
    ("grid_last_price", lambda v, m, r: r.last_grid_price_musd_per_mw),
    ("grid_last_gw", lambda v, m, r: r.last_grid_mw / 1000),
    ("grid_last_bid_gw", lambda v, m, r: r.last_grid_bid_mw / 1000),
    ("crews_pool_per100", lambda v, m, r: r.crews_pool / 100),
    ("wage_reserve_per10", lambda v, m, r: r.wage_reserve_musd / 10),
    ("wage_last_per10", lambda v, m, r: r.last_wage_musd / 10),
    ("permitting_per8", lambda v, m, r: r.permitting_quarters / 8),
    ("moratorium", lambda v, m, r: float(r.moratorium)),
    ("export_restricted", lambda v, m, r: float(r.export_restricted)),
    ("gas_allowed", lambda v, m, r: float(r.gas_allowed)),
    ("smr_allowed", lambda v, m, r: float(r.smr_allowed)),
    ("inference_weight", lambda v, m, r: r.inference_demand_weight),
    ("me_power_gw", lambda v, m, r: m.power_mw.get(r.id, 0.0) / 1000),
    ("me_free_power_gw", lambda v, m, r: m.free_power_mw.get(r.id, 0.0) / 1000),
    ("me_online_gw", lambda v, m, r: m.online_mw.get(r.id, 0.0) / 1000),
    ("me_pipeline_gw", lambda v, m, r: m.pipeline_mw.get(r.id, 0.0) / 1000),
    ("me_free_it_gw", lambda v, m, r: m.free_it_mw.get(r.id, 0.0) / 1000),
)
# then one slot per cooling kind: capex_<kind>_per10 (facility capex this quarter, $M/MW ÷ 10)

GENERATION_FEATURES: tuple[tuple[str, PerGeneration], ...] = (
    ("present", lambda v, m, g: 1.0),
    ("released", lambda v, m, g: float(g.released)),
    ("in_production", lambda v, m, g: float(g.in_production)),
    ("custom", lambda v, m, g: float(g.custom)),
    ("liquid_only", lambda v, m, g: float(g.liquid_only)),
    ("export_controlled", lambda v, m, g: float(g.export_controlled)),
    ("performance_per4", lambda v, m, g: g.performance_h100e / 4),
    ("power_kw_per2", lambda v, m, g: g.power_kw / 2),
    ("list_price_x100", lambda v, m, g: g.list_price_musd * 100),
    ("apa_price_x100", lambda v, m, g: g.apa_price_musd * 100),
    ("last_spot_price_x100", lambda v, m, g: g.last_spot_price_musd * 100),
    ("h100e_per_musd_per100", lambda v, m, g: _ratio(g.performance_h100e * g.ecosystem_factor, g.list_price_musd) / 100),
    ("release_in_fraction", lambda v, m, g: max(-1.0, min(1.0, _ratio(g.release_quarter - v.quarter, v.quarters_total)))),
    ("ecosystem_factor", lambda v, m, g: g.ecosystem_factor),
    ("supply_units_1e5", lambda v, m, g: g.supply_units / 1e5),
    ("last_spot_units_1e5", lambda v, m, g: g.last_spot_units / 1e5),
    ("apa_room_units_1e5", lambda v, m, g: g.apa_room_units / 1e5),
    ("me_inventory_1e5", lambda v, m, g: v.me.inventory.get(g.id, 0) / 1e5),
    ("me_deliveries_1e5", lambda v, m, g: m.deliveries.get(g.id, 0) / 1e5),
    ("me_agreements_per_quarter_1e5", lambda v, m, g: m.agreements.get(g.id, 0) / 1e5),
    ("me_installed_1e5", lambda v, m, g: m.installed.get(g.id, 0) / 1e5),
)


# ---- the action --------------------------------------------------------------------------------

# Dimension kinds in the order they are decoded (sharing one purse), with their choices.
# Orders that cost nothing come first so a shortage of funds never drops them.
POWER, GAS, BUILD, CREWS, OFFER = "power", "gas", "build", "crews", "offer"
CHIPS, APA = "chips", "apa"
RFP, FINANCE, ASIC, SMR, SUBCONTRACT, LOTS = "rfp", "finance", "asic", "smr", "subcontract", "lots"
REGION_KINDS = (POWER, GAS, BUILD, CREWS, OFFER)
GENERATION_KINDS = (CHIPS, APA)
GLOBAL_KINDS = (RFP, FINANCE, ASIC, SMR, SUBCONTRACT, LOTS)
DECODE_ORDER = (OFFER, RFP, SUBCONTRACT, BUILD, FINANCE, CREWS, CHIPS, POWER, GAS, APA, ASIC, SMR, LOTS)
FIXED_CHOICES: dict[str, tuple[str, ...]] = {
    POWER: ("none", "small", "large"),
    GAS: ("no", "yes"),
    CREWS: ("none", "needed", "needed_x1.5"),
    OFFER: ("off", "low", "index", "high"),
    CHIPS: ("none", "fill_online", "fill_soon"),
    APA: ("no", "yes"),
    RFP: ("none", "bid_high", "bid_low"),
    FINANCE: ("none", "borrow", "repay", "raise_equity"),
    ASIC: ("no", "fund"),
    SMR: ("no", "sign"),
    SUBCONTRACT: ("no", "tender"),
    LOTS: ("no", "bid"),
}


@frozen
class Dimension:
    """One discrete part of the action: a kind, the slot it acts on (region or generation id,
    None for a padding slot or a global choice), and the names of its choices (0 = do nothing)."""

    kind: str
    slot: str | None
    choices: tuple[str, ...]
    padding: bool = False

    @property
    def label(self) -> str:
        return self.kind if self.slot is None and not self.padding else f"{self.kind}[{self.slot or 'pad'}]"


class _Purse:
    """What the decoded orders may still spend this quarter (the engine's funds check)."""

    def __init__(self, v: CompanyView):
        self.left = max(0.0, v.me.cash_musd + v.me.borrow_headroom_musd) * FUNDS_SAFETY
        self.cash_spent = 0.0
        self.chip_kw = 0.0  # of chips already ordered by earlier choices

    def spend(self, musd: float) -> None:
        self.left -= musd
        self.cash_spent += musd


class Encoding:
    """The observation and action layout for one scenario.

    region_slots / generation_slots pad the per-region and per-generation blocks with zeros (and
    masked-out action choices) so that scenarios with fewer regions share one layout.
    """

    def __init__(self, spec: Scenario, region_slots: int | None = None, generation_slots: int | None = None):
        self.spec = spec
        self.regions: tuple[str, ...] = tuple(spec.regions)
        self.generations: tuple[str, ...] = tuple(spec.generations)
        self.cooling: tuple[str, ...] = tuple(spec.cooling)
        self.archetypes: tuple[str, ...] = tuple(spec.archetypes)
        self.region_slots = _slots("region_slots", region_slots, len(self.regions))
        self.generation_slots = _slots("generation_slots", generation_slots, len(self.generations))
        self.liquid_kinds = frozenset(k for k, c in spec.cooling.items() if c.hosts_liquid_only)

        labels = [name for name, _ in GLOBAL_FEATURES] + [f"me_archetype_{a}" for a in self.archetypes]
        region_names = [name for name, _ in REGION_FEATURES] + [f"capex_{k}_per10" for k in self.cooling]
        for i in range(self.region_slots):
            tag = self.regions[i] if i < len(self.regions) else f"pad{i}"
            labels += [f"region[{tag}].{n}" for n in region_names]
        for i in range(self.generation_slots):
            tag = self.generations[i] if i < len(self.generations) else f"pad{i}"
            labels += [f"generation[{tag}].{n}" for n, _ in GENERATION_FEATURES]
        self.observation_labels: tuple[str, ...] = tuple(labels)
        self.region_width = len(region_names)
        self.generation_width = len(GENERATION_FEATURES)

        dims: list[Dimension] = []
        build_choices = ("no",) + tuple(f"start_{k}" for k in self.cooling)
        for i in range(self.region_slots):
            rid = self.regions[i] if i < len(self.regions) else None
            for kind in REGION_KINDS:
                dims.append(Dimension(kind, rid, build_choices if kind == BUILD else FIXED_CHOICES[kind], rid is None))
        for i in range(self.generation_slots):
            gid = self.generations[i] if i < len(self.generations) else None
            for kind in GENERATION_KINDS:
                dims.append(Dimension(kind, gid, FIXED_CHOICES[kind], gid is None))
        for kind in GLOBAL_KINDS:
            dims.append(Dimension(kind, None, FIXED_CHOICES[kind]))
        self.dimensions: tuple[Dimension, ...] = tuple(dims)
        self.nvec = np.array([len(d.choices) for d in dims], dtype=np.int64)
        self.mask_offsets = np.concatenate([[0], np.cumsum(self.nvec)]).astype(np.int64)
        self._looked_up: tuple[CompanyView, tuple] | None = None
        rank = {k: i for i, k in enumerate(DECODE_ORDER)}
        self._decode_order = sorted(range(len(dims)), key=lambda i: (rank[dims[i].kind], i))

    def layout(self) -> dict[str, Any]:
        """The whole layout as plain data: sizes, every observation slot, every action dimension."""
        return {
            "scenario": self.spec.game.name,
            "observation_size": self.observation_size,
            "action_dimensions": len(self.dimensions),
            "mask_size": self.mask_size,
            "observation": list(self.observation_labels),
            "action": [{"dimension": d.label, "choices": list(d.choices)} for d in self.dimensions],
        }

    @property
    def observation_size(self) -> int:
        return len(self.observation_labels)

    @property
    def mask_size(self) -> int:
        return int(self.mask_offsets[-1])

    # ---- observation ---------------------------------------------------------------------------
    def observe(self, v: CompanyView) -> np.ndarray:
        """The view as a float32 vector of observation_size, every slot clipped to ±OBS_LIMIT."""
        m = _Mine(v)
        out = [f(v, m) for _, f in GLOBAL_FEATURES]
        out += [float(v.me.archetype == a) for a in self.archetypes]
        regions = {r.id: r for r in v.regions}
        for i in range(self.region_slots):
            r = regions.get(self.regions[i]) if i < len(self.regions) else None
            if r is None:
                out += [0.0] * self.region_width
                continue
            out += [f(v, m, r) for _, f in REGION_FEATURES]
            out += [r.capex_musd_per_mw.get(k, 0.0) / 10 for k in self.cooling]
        gens = {g.id: g for g in v.generations}
        for i in range(self.generation_slots):
            g = gens.get(self.generations[i]) if i < len(self.generations) else None
            if g is None:
                out += [0.0] * self.generation_width
                continue
            out += [f(v, m, g) for _, f in GENERATION_FEATURES]
        arr = np.asarray(out, dtype=np.float64)
        arr = np.nan_to_num(arr, nan=0.0, posinf=OBS_LIMIT, neginf=-OBS_LIMIT)
        return np.clip(arr, -OBS_LIMIT, OBS_LIMIT).astype(np.float32)

    # ---- action --------------------------------------------------------------------------------
    def mask(self, v: CompanyView) -> np.ndarray:
        """Flat int8 vector of mask_size: for each dimension in turn, one entry per choice, 1 when
        that choice alone decodes into at least one order the engine accepts this quarter.
        Choice 0 (do nothing) is always 1."""
        out = np.zeros(self.mask_size, dtype=np.int8)
        for i, d in enumerate(self.dimensions):
            base = int(self.mask_offsets[i])
            out[base] = 1
            if d.padding:
                continue
            for choice in range(1, len(d.choices)):
                out[base + choice] = 1 if self._decode_one(v, d, choice, _Purse(v)) else 0
        return out

    def split_mask(self, flat: np.ndarray) -> tuple[np.ndarray, ...]:
        """The flat mask as one array per dimension (the form MultiDiscrete.sample(mask=…) takes)."""
        return tuple(np.asarray(flat[self.mask_offsets[i] : self.mask_offsets[i + 1]], dtype=np.int8) for i in range(len(self.dimensions)))

    def decode(self, v: CompanyView, action: Any) -> list[Any]:
        """Orders for one action. Choices are decoded in a fixed priority order sharing one purse,
        so a later choice may come out smaller, or as nothing, when earlier ones used the funds;
        a choice that is impossible this quarter decodes to nothing."""
        a = self.check(action)
        purse = _Purse(v)
        orders: list[Any] = []
        for i in self._decode_order:
            choice = int(a[i])
            d = self.dimensions[i]
            if choice and not d.padding:
                orders += self._decode_one(v, d, choice, purse)
        return orders

    def check(self, action: Any) -> np.ndarray:
        """The action as an integer array, or a ValueError saying what shape it must have."""
        a = np.asarray(action)
        if a.shape != self.nvec.shape or not np.issubdtype(a.dtype, np.integer) or (a < 0).any() or (a >= self.nvec).any():
            raise ValueError(f"an action must be {len(self.nvec)} whole numbers, each below {self.nvec.tolist()}; got {a.tolist()!r}")
        return a

    def describe(self, action: Any) -> dict[str, str]:
        """The chosen (non-zero) choices by dimension label, for people reading a log."""
        return {d.label: d.choices[int(c)] for d, c in zip(self.dimensions, np.asarray(action)) if int(c)}

    def _lookup(self, v: CompanyView) -> tuple[dict[str, RegionView], dict[str, GenerationView], float, Holdings]:
        """Regions and generations by id, the kW of chips already coming and the survey of its
        holdings, for this view (kept for the last view seen: a mask decodes every choice of the same view).
        The kW coming is the built-in agents' count (policy.holdings.survey): inventory, deliveries
        and every delivery an agreement still owes."""
        if self._looked_up is None or self._looked_up[0] is not v:
            h = survey(v)
            self._looked_up = (v, ({r.id: r for r in v.regions}, {g.id: g for g in v.generations}, h.coming_kw, h))
        return self._looked_up[1]

    def _decode_one(self, v: CompanyView, d: Dimension, choice: int, purse: _Purse) -> list[Any]:
        if d.kind in REGION_KINDS:
            r = self._lookup(v)[0].get(d.slot)
            return [] if r is None else _REGION_DECODERS[d.kind](self, v, r, choice, purse)
        if d.kind in GENERATION_KINDS:
            g = self._lookup(v)[1].get(d.slot)
            return [] if g is None else _GENERATION_DECODERS[d.kind](self, v, g, choice, purse)
        return _GLOBAL_DECODERS[d.kind](self, v, choice, purse)

    # ---- decoders: each returns the orders for one choice, spending from the purse -------------
    def _power(self, v: CompanyView, r: RegionView, choice: int, purse: _Purse) -> list[Any]:
        if r.moratorium or r.grid_release_mw <= 0:
            return []
        price = power.bid_price(r, POWER_BID_MARKUP)
        if price <= 0:
            return []
        mw = _floor(min(r.grid_release_mw * POWER_SHARE_OF_RELEASE[choice - 1], self.spec.rules.max_site_mw, purse.left / price), 1)
        if mw < max(1, self.spec.rules.min_interconnect_award_mw):  # a utility studies nothing smaller
            return []
        purse.spend(mw * price)
        return [o.BidInterconnect(r.id, mw, price)]

    def _gas(self, v: CompanyView, r: RegionView, choice: int, purse: _Purse) -> list[Any]:
        if not r.gas_allowed or v.gas_supply_mw <= 0:
            return []
        price = round(max(v.gas_reserve_price_musd_per_mw, v.last_gas_price_musd_per_mw, 0.001) * GAS_BID_MARKUP, 4)
        mw = _floor(min(v.gas_supply_mw * GAS_SHARE_OF_SUPPLY, self.spec.rules.max_site_mw, purse.left / price), 1)
        if mw < 1:
            return []
        purse.spend(mw * price)
        return [o.BidGasTurbines(r.id, mw, price)]

    def _build(self, v: CompanyView, r: RegionView, choice: int, purse: _Purse) -> list[Any]:
        cooling = self.cooling[choice - 1]
        return [o.StartSite(p.id, cooling, False) for p in v.me.power if p.region == r.id and p.site is None]

    def _crews(self, v: CompanyView, r: RegionView, choice: int, purse: _Purse) -> list[Any]:
        need = self._lookup(v)[3].crews_needed.get(r.id, 0.0)
        x = build.crew_bid(r, need * CREW_NEED_MULTIPLE[choice - 1], purse.left, CREW_WAGE_MARKUP)
        if x is None:
            return []
        purse.spend(x.crews * x.wage_musd)
        return [x]

    def _offer(self, v: CompanyView, r: RegionView, choice: int, purse: _Purse) -> list[Any]:
        price = round(v.price_index * OFFER_PRICE_FACTORS[choice - 1], 4)
        return [o.OfferCompute(r.id, price)] if price > 0 else []

    def _buyable(self, v: CompanyView, g: GenerationView) -> bool:
        if not (g.released and g.in_production and g.supply_units > 0):
            return False
        return not g.custom or (v.me.asic_active and g.id == self.spec.asic.generation)

    def _chips(self, v: CompanyView, g: GenerationView, choice: int, purse: _Purse) -> list[Any]:
        if not self._buyable(v, g):
            return []
        soon = choice == 2
        hall_kw = 0.0
        restricted = {x.id for x in v.regions if x.export_restricted}
        for s in v.me.sites:
            if (g.liquid_only and s.cooling not in self.liquid_kinds) or (g.export_controlled and s.region in restricted):
                continue
            if s.stage == "online" or (soon and 0 <= s.expected_online <= v.quarter + CHIP_SOON_QUARTERS):
                hall_kw += max(0.0, s.free_mw) * 1000
        need_kw = hall_kw - self._lookup(v)[2] - purse.chip_kw
        price = chips.bid_price(v, g, CHIP_BID_MARKUP)
        if price <= 0:
            return []
        units = int(min(need_kw / g.power_kw, g.supply_units * CHIP_SUPPLY_SHARE, purse.left / price, 10**8))
        if units < 1:
            return []
        purse.spend(units * price)
        purse.chip_kw += units * g.power_kw
        return [o.BidChips(g.id, units, price)]

    def _apa(self, v: CompanyView, g: GenerationView, choice: int, purse: _Purse) -> list[Any]:
        if g.custom or not (g.released and g.in_production) or v.quarters_left < 1:
            return []
        vendor = self.spec.vendors[g.vendor]
        quarters = min(APA_QUARTERS, vendor.apa_max_quarters)
        per_unit = g.apa_price_musd * quarters * vendor.apa_deposit_fraction
        room = min(g.apa_room_units, g.supply_units * APA_SUPPLY_SHARE)
        units = int(min(room, purse.left / per_unit if per_unit > 0 else room, 10**8))
        if units < 1:
            return []
        purse.spend(units * per_unit)
        return [o.SignChipAgreement(g.id, units, quarters)]

    def _rfp(self, v: CompanyView, choice: int, purse: _Purse) -> list[Any]:
        me = v.me
        online = [s.mw for s in me.sites if s.stage == "online" and s.installed]
        largest = max(online, default=0.0)
        perf = {g.id: g.performance_h100e for g in v.generations}
        installed = sum(perf.get(gid, 0.0) * n for s in me.sites if s.stage == "online" for gid, n in s.installed.items())
        capacity = max(me.capacity_h100e, installed)  # capacity_h100e is last operated; 0 before the first quarter
        free = compute.free_h100e(v, capacity)
        return compute.rfp_bids(v, largest, RFP_PRICE_FACTORS[choice - 1], free)

    def _finance(self, v: CompanyView, choice: int, purse: _Purse) -> list[Any]:
        me = v.me
        if choice == 1:
            musd = _floor(me.borrow_headroom_musd * BORROW_SHARE, 2)
            return [o.Borrow(musd)] if musd >= 1 else []
        if choice == 2:
            musd = _floor(min(me.debt_musd, me.cash_musd - purse.cash_spent, purse.left) * REPAY_SHARE, 2)
            if musd < 1:
                return []
            purse.spend(musd)
            return [o.Repay(musd)]
        musd = _floor(me.book_equity_musd * self.spec.rules.equity_raise_max_fraction * RAISE_SHARE, 2)
        return [o.RaiseEquity(musd)] if musd >= 1 else []

    def _asic(self, v: CompanyView, choice: int, purse: _Purse) -> list[Any]:
        cost = self.spec.asic.programme_cost_musd_per_quarter
        if "asic" not in v.me.special_moves or v.me.asic_active or cost > purse.left:
            return []
        purse.spend(cost)
        return [o.FundAsicProgramme()]

    def _smr(self, v: CompanyView, choice: int, purse: _Purse) -> list[Any]:
        regions = [r for r in v.regions if r.smr_allowed]
        if "smr" not in v.me.special_moves or not regions:
            return []
        r = min(regions, key=lambda r: r.queue_wait_quarters_max)  # first such region on a tie
        smr = self.spec.power.smr
        deposit = smr.deposit_musd_per_mw
        mw = _floor(min(smr.max_mw_per_quarter * SMR_SHARE_OF_OFFER, self.spec.rules.max_site_mw, purse.left / deposit if deposit > 0 else math.inf), 1)
        if mw < 1:
            return []
        purse.spend(mw * deposit)
        return [o.SignSmrPpa(r.id, mw)]

    def _subcontract(self, v: CompanyView, choice: int, purse: _Purse) -> list[Any]:
        x = compute.subcontract(v, SUBCONTRACT_SHARE, SUBCONTRACT_QUARTERS, SUBCONTRACT_PRICE_FACTOR)
        return [] if x is None else [x]

    def _lots(self, v: CompanyView, choice: int, purse: _Purse) -> list[Any]:
        out: list[Any] = []
        for lot in v.lots:
            if lot.seller == v.me.id or (lot.kind == "powered_site" and "distressed_sites" not in v.me.special_moves):
                continue
            bid = power.lot_bid_musd(lot.reserve_musd, LOT_BID_MARKUP)
            if bid <= purse.left:
                purse.spend(bid)
                out.append(o.BidLot(lot.id, bid))
        return out


def _slots(name: str, wanted: int | None, have: int) -> int:
    if wanted is None:
        return have
    if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted < have:
        raise ValueError(f"{name} must be a whole number at least {have} (the scenario's count), got {wanted!r}")
    return wanted


_REGION_DECODERS = {POWER: Encoding._power, GAS: Encoding._gas, BUILD: Encoding._build, CREWS: Encoding._crews, OFFER: Encoding._offer}
_GENERATION_DECODERS = {CHIPS: Encoding._chips, APA: Encoding._apa}
_GLOBAL_DECODERS = {RFP: Encoding._rfp, FINANCE: Encoding._finance, ASIC: Encoding._asic, SMR: Encoding._smr, SUBCONTRACT: Encoding._subcontract, LOTS: Encoding._lots}
