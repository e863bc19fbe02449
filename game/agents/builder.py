"""The economics every competent agent shares: secure power early, build on it, fill it, sell it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..model import orders as o
from ..model.view import CompanyView, GenerationView, RegionView
from .base import Tunable


class Builder(Tunable):
    """A planning agent whose habits are set by parameters; subclasses choose the parameters.

    Each quarter it (1) keeps a pipeline of power proportional to what it runs, bidding where
    the queue is short and power cheap, and only while a new position can still come online
    before the game ends; (2) starts a liquid-cooled site on every free power source; (3) hires
    the crews its sites under construction need; (4) buys the accelerators its online and
    soon-online halls can hold, best H100e per dollar first, partly under advance-purchase
    agreements; (5) offers all free capacity and bids on RFPs it can serve; (6) keeps a cash
    buffer with the revolver and repays expensive debt when cash is plentiful.
    """

    name = "builder"
    # habits; subclasses override
    horizon_quarters = 10  # how far ahead it plans power
    ambition = 1.1  # target share of future demand, relative to today's share
    power_budget_quarters = 2.0  # quarters of budget it will commit to power in one go
    max_power_price_musd_per_mw = 3.0
    lot_bid_markup = 1.05
    power_from_quarter = 0  # first quarter it bids for new power (for experiments on timing)
    min_earning_quarters = 2  # buys grid power only if it can be online this many quarters before the end
    site_lead_quarters = 1  # starts permitting this long before the permit is needed
    upkeep_budget_share = 0.1  # of its budget it will put into a retrofit or crew training
    training_wage_trigger = 1.5  # trains crews where the wage has cleared this far above the floor
    training_crews = 10.0  # crews per training programme
    repay_above_rate = 0.08  # repays spare cash against debt dearer than this
    asic_share_of_free_power = 0.3  # of free hall power it fills with its own ASICs each quarter
    smr_every_quarters = 4  # signs an SMR PPA once in this many quarters
    smr_share_of_offer = 0.3  # of the MW offered each quarter
    subcontract_share = 0.5  # of its unserved internal demand it puts out to tender
    subcontract_quarters = 4
    subcontract_price_factor = 1.1  # × price index, the most it will pay
    max_region_share = 1.0  # of a region's release, per bid
    min_block_mw = 40.0  # smallest campus worth a bid
    power_bid_markup = 1.25
    crew_wage_markup = 1.15
    chip_bid_markup = 1.05
    apa_share = 0.5  # of expected chip needs bought under agreements
    apa_quarters = 4
    supply_share_cap = 0.4  # most of one generation's quarterly supply it bids for
    offer_price_factor = 1.0  # × price index
    rfp_price_factor = 0.92  # × RFP ceiling
    cash_buffer_fraction = 0.08  # of book equity
    borrow_fraction = 0.8  # of covenant headroom it is willing to use
    cooling = "liquid"
    _choices = {"cooling": ("liquid", "immersion", "air")}  # GAME.md §2
    _ranges = {
        **{k: (0.0, 1.0) for k in ("apa_share", "asic_share_of_free_power", "borrow_fraction", "max_region_share", "supply_share_cap", "subcontract_share", "upkeep_budget_share", "smr_share_of_offer", "cash_buffer_fraction")},
        "rfp_price_factor": (0.05, 1.0),  # an RFP refuses bids above its ceiling
        "repay_above_rate": (0.0, 1.0),
        "max_power_price_musd_per_mw": (0.0, 100.0),
        **{k: (1, 40) for k in ("apa_quarters", "subcontract_quarters", "smr_every_quarters", "horizon_quarters")},
        **{k: (0.01, 10.0) for k in ("chip_bid_markup", "power_bid_markup", "lot_bid_markup", "crew_wage_markup", "offer_price_factor", "subcontract_price_factor")},
    }
    use_fast_track = False
    buy_lots = False
    buy_gas = False
    sign_smr = False
    run_asic = False
    subcontract = False

    def __init__(self, seed: np.random.SeedSequence | None = None, **params: Any):
        super().__init__(seed, **params)
        self._best: GenerationView | None = None

    # ---------------------------------------------------------------------------------------
    def decide(self, v: CompanyView) -> list[Any]:
        me = v.me
        orders: list[Any] = []
        # a hair under the engine's funds, so rounded prices never overrun it
        budget = 0.995 * (me.cash_musd + me.borrow_headroom_musd * self.borrow_share(v)) - self.cash_buffer_fraction * max(me.book_equity_musd, 0)
        gens = {gen.id: gen for gen in v.generations}
        self._best = self._best_generation(v, gens, liquid=True)  # today's best buy, for planning
        budget -= self._chips(v, gens, orders, budget)
        budget -= self._crews(v, orders, budget)
        self._sites(v, orders)
        budget -= self._power(v, orders, budget)
        self._sell(v, orders)
        self._special(v, gens, orders, budget)
        self._upkeep(v, gens, orders, budget)
        self._finance(v, orders, committed=sum(_cost(x, v) for x in orders))
        return orders

    # ---- power ------------------------------------------------------------------------------
    def _build_quarters(self, v: CompanyView, r: RegionView) -> float:
        rules = v.scenario.rules
        return r.permitting_quarters + 2 + rules.commissioning_quarters

    def _h100e_per_mw(self, v: CompanyView) -> float:
        """H100e one grid MW can host with today's best chips in our cooling."""
        best = self._best if self._best is not None else self._best_generation(v, {g.id: g for g in v.generations}, liquid=True)
        pue = v.scenario.cooling[self.cooling].pue
        return 1000 / (best.power_kw * pue) * best.performance_h100e if best else 1000.0

    def power_wanted_mw(self, v: CompanyView) -> float:
        """MW of new power needed to hold our share of the market a few years out."""
        me, spec = v.me, v.scenario
        d = spec.demand
        horizon = self.horizon_quarters
        f = min(1.0, (v.quarter + horizon / 2) / max(1, spec.game.quarters - 1))
        growth = d.growth_per_quarter_start + (d.growth_per_quarter_end - d.growth_per_quarter_start) * f
        future_market = v.demand_h100e * (1 + growth) ** horizon
        total = me.capacity_h100e + sum(r.capacity_h100e for r in v.rivals if r.alive)
        share = me.capacity_h100e / total if total > 0 else 1.0 / (1 + len(v.rivals))
        internal_growth = spec.companies[me.id].internal_demand_growth_per_quarter if me.id in spec.companies else 0.0
        future_internal = me.internal_demand_h100e * (1 + internal_growth) ** horizon
        sellable = spec.archetypes[me.archetype].sellable_fraction
        need_h100e = (share * future_market * self.ambition + future_internal) / sellable
        per_mw = self._h100e_per_mw(v)
        return max(0.0, (need_h100e - self._planned_h100e(v, per_mw)) / per_mw)

    def _planned_h100e(self, v: CompanyView, per_mw: float) -> float:
        """H100e it runs now plus what the power it holds but has not filled could host."""
        me = v.me
        installed_mw = sum((s.it_mw - s.free_mw) * s.mw / s.it_mw for s in me.sites if s.it_mw > 0)  # grid MW in use
        held_mw = sum(p.mw for p in me.power)
        return me.capacity_h100e + max(0.0, held_mw - installed_mw) * per_mw

    def _power(self, v: CompanyView, orders: list, budget: float) -> float:
        if v.quarter < self.power_from_quarter:
            return 0.0
        want = self.power_wanted_mw(v)
        if want <= 1 or budget <= 0:
            return 0.0
        # keep power bids within what we can later build and fill
        per_mw = self._all_in_musd_per_mw(v)
        want = min(want, budget / per_mw * self.power_budget_quarters)
        spent = 0.0
        # where a position comes online soonest and runs cheapest
        ranked = sorted((self.region_preference(v, r), r.id, r) for r in v.regions if not r.moratorium and r.grid_release_mw > 0)
        regions = [r for pref, _, r in ranked if math.isfinite(pref)]
        for r in regions:
            if want <= 1:
                break
            ready = r.queue_wait_quarters_max + self._build_quarters(v, r)
            if ready + self.min_earning_quarters > v.quarters_left:
                continue  # would not earn before the end
            mw = min(max(want, self.min_block_mw), r.grid_release_mw * self.max_region_share)
            price = min(self.max_power_price_musd_per_mw, max(r.grid_reserve_price_musd_per_mw, r.last_grid_price_musd_per_mw) * self.power_bid_markup)
            price = round(price, 4)
            if price < r.grid_reserve_price_musd_per_mw or price <= 0:
                continue  # its ceiling is below the reserve
            mw = math.floor(min(mw, max(0.0, budget - spent) / price) * 10) / 10  # no more than is left to pay with
            if mw >= max(self.min_block_mw, 1.0):
                orders.append(o.BidInterconnect(r.id, mw, price))
                want -= mw
                spent += mw * price
        if self.buy_gas and want > 10 and v.quarters_left > 8:
            gas_regions = [r for r in v.regions if r.gas_allowed]
            if gas_regions:
                r = min(gas_regions, key=lambda r: (r.power_price_usd_per_mwh, r.id))
                mw = min(want, v.gas_supply_mw * self.max_region_share)
                price = max(v.gas_reserve_price_musd_per_mw, v.last_gas_price_musd_per_mw) * self.power_bid_markup
                if mw >= max(self.min_block_mw, 1.0) and mw * price < budget - spent:
                    orders.append(o.BidGasTurbines(r.id, round(mw, 1), round(price, 4)))
                    spent += mw * price
                    want -= mw
        if self.buy_lots and v.quarters_left > 4:
            for lot in v.lots:
                if lot.kind not in ("powered_site", "site") or lot.seller == v.me.id:
                    continue
                if lot.kind == "powered_site" and "distressed_sites" not in v.me.special_moves:
                    continue
                bid = max(0.01, math.ceil(lot.reserve_musd * max(1.0, self.lot_bid_markup) * 100) / 100)
                if bid < lot.reserve_musd:  # the float behind a whole number of cents can sit just under it
                    bid = round(bid + 0.01, 2)
                if bid < (budget - spent) * 0.5:
                    orders.append(o.BidLot(lot.id, bid))
                    spent += bid
        return spent

    def region_preference(self, v: CompanyView, r: RegionView) -> float:
        """Lower is better (infinite: never bid there): where a position comes online soonest and runs cheapest."""
        return (r.queue_wait_quarters_max + self._build_quarters(v, r)) * 8 + r.power_price_usd_per_mwh / 10

    def merchant_share(self, v: CompanyView) -> float:
        """Share of its free hall power it fills with merchant chips (the rest waits for its own)."""
        return 1.0

    def borrow_share(self, v: CompanyView) -> float:
        """Share of the covenant headroom it will draw on this quarter."""
        return self.borrow_fraction

    def _all_in_musd_per_mw(self, v: CompanyView) -> float:
        best = self._best
        pue = v.scenario.cooling[self.cooling].pue
        chips = 1000 / (best.power_kw * pue) * best.list_price_musd if best else 0.0
        return v.regions[0].capex_musd_per_mw[self.cooling] + chips

    # ---- sites and crews -------------------------------------------------------------------------
    def _sites(self, v: CompanyView, orders: list) -> None:
        """Start a site on each free power source once its permit would land about when the
        power does: earlier ties up nothing useful, later wastes the power."""
        fast = self.use_fast_track and "fast_track" in v.me.special_moves
        factor = v.scenario.rules.fast_track_permit_factor if fast else 1.0
        for p in v.me.power:
            if p.site is None:
                permit = v.region(p.region).permitting_quarters * factor
                if p.energised or p.ready_quarter - v.quarter <= permit + self.site_lead_quarters:
                    orders.append(o.StartSite(p.id, self.cooling, fast))

    def _crews(self, v: CompanyView, orders: list, budget: float) -> float:
        per_crew = v.scenario.rules.construction_mw_per_crew_quarter
        need: dict[str, float] = {}
        power = {p.id: p for p in v.me.power}
        for s in v.me.sites:
            p = power.get(s.power)
            building = s.stage == "construction" or (s.stage == "power" and p is not None and p.ready_quarter <= v.quarter)
            if building:
                need[s.region] = need.get(s.region, 0.0) + (s.mw - s.built_mw) / per_crew
        spent = 0.0
        for rid, n in need.items():
            r = v.region(rid)
            n = min(n, r.crews_pool * 0.6)
            if n < 0.5:
                continue
            wage = max(r.wage_reserve_musd, r.last_wage_musd) * self.crew_wage_markup
            n = min(n, max(0.0, budget - spent) / wage)
            if n < 0.5:
                continue
            orders.append(o.BidCrews(rid, round(n, 2), round(wage, 4)))
            spent += round(n, 2) * round(wage, 4)
        return spent

    # ---- chips -------------------------------------------------------------------------------------
    def _best_generation(self, v: CompanyView, gens: dict[str, GenerationView], *, liquid: bool) -> GenerationView | None:
        ranked = buyable(v.generations, liquid)
        return ranked[0] if ranked else None

    def _chips(self, v: CompanyView, gens: dict[str, GenerationView], orders: list, budget: float) -> float:
        me = v.me
        liquid_kinds = {k for k, c in v.scenario.cooling.items() if c.hosts_liquid_only}
        free_kw = {True: 0.0, False: 0.0}
        lead = 2
        share = self.merchant_share(v)
        for s in me.sites:
            soon = s.stage == "online" or (0 <= s.expected_online <= v.quarter + lead)
            if soon:
                free_kw[s.cooling in liquid_kinds] += s.free_mw * 1000 * share
        # what is already coming: inventory, deliveries, agreements
        coming_kw = sum(gens[g].power_kw * n for g, n in me.inventory.items())
        coming_kw += sum(gens[d.generation].power_kw * d.units for d in me.deliveries)
        coming_kw += sum(gens[a.generation].power_kw * a.units_per_quarter for a in me.agreements)
        spent = 0.0
        signed = False
        for liquid in (True, False):
            need_kw = free_kw[liquid] - coming_kw
            coming_kw = max(0.0, coming_kw - free_kw[liquid])
            # the best value first, each taking at most a share of its generation's supply
            for best in buyable(v.generations, liquid):
                if need_kw < best.power_kw * 100 or budget - spent <= 0:
                    break
                price = max(best.list_price_musd, best.last_spot_price_musd) * self.chip_bid_markup
                units = int(min(need_kw / best.power_kw, best.supply_units * self.supply_share_cap, (budget - spent) / price))
                if units <= 0:
                    continue
                apa_units = int(min(units * self.apa_share, best.apa_room_units))
                apa_quarters = min(self.apa_quarters, v.scenario.vendors[best.vendor].apa_max_quarters)
                if not signed and apa_units > 100 and v.quarters_left > apa_quarters:
                    deposit = best.apa_price_musd * apa_units * apa_quarters * v.scenario.vendors[best.vendor].apa_deposit_fraction
                    if deposit + spent < budget:
                        orders.append(o.SignChipAgreement(best.id, apa_units, apa_quarters))
                        spent += deposit + best.apa_price_musd * apa_units
                        units = int(min(units - apa_units, max(0.0, budget - spent) / price))  # the deposit used some of the money
                        need_kw -= apa_units * best.power_kw
                        signed = True
                if units > 0:
                    orders.append(o.BidChips(best.id, units, round(price, 6)))
                    spent += units * price
                    need_kw -= units * best.power_kw
        return spent

    # ---- selling ---------------------------------------------------------------------------------
    def _sell(self, v: CompanyView, orders: list) -> None:
        me = v.me
        regions_with_capacity = {s.region for s in me.sites if s.stage == "online" and s.installed}
        for rid in sorted(regions_with_capacity):
            orders.append(o.OfferCompute(rid, round(v.price_index * self.offer_price_factor, 4)))
        largest = max((s.mw for s in me.sites if s.stage == "online" and s.installed), default=0.0)
        committed = sum(k.h100e for k in me.contracts)
        free = me.capacity_h100e * v.scenario.archetypes[me.archetype].sellable_fraction - committed - me.internal_demand_h100e
        for r in sorted(v.rfps, key=lambda r: -r.max_price_usd_per_h100e_hour):
            if r.customer == me.id or r.min_site_mw > largest or r.h100e > free:
                continue
            orders.append(o.BidRfp(r.id, round(r.max_price_usd_per_h100e_hour * self.rfp_price_factor, 4)))
            free -= r.h100e

    # ---- upkeep: retrofits and the crew commons ---------------------------------------------------
    def _upkeep(self, v: CompanyView, gens: dict[str, GenerationView], orders: list, budget: float) -> None:
        """Retrofit an empty air hall when liquid-only chips wait for a home; fund crew training
        where wages have run far above the floor and we still have halls to build."""
        me, spec = v.me, v.scenario
        liquid_kinds = [k for k, c in spec.cooling.items() if c.hosts_liquid_only]
        waiting_liquid = sum(n for g, n in me.inventory.items() if gens[g].liquid_only)
        if waiting_liquid and liquid_kinds and v.quarters_left > spec.rules.retrofit_quarters + 2:
            empty_air = [s for s in me.sites if s.stage == "online" and s.cooling not in liquid_kinds and not s.installed]
            if empty_air:
                s = max(empty_air, key=lambda s: (s.mw, s.id))
                if s.mw * spec.rules.retrofit_capex_musd_per_mw < budget * self.upkeep_budget_share:
                    orders.append(o.RetrofitCooling(s.id, self.cooling if self.cooling in liquid_kinds else liquid_kinds[0]))
        building = {s.region for s in me.sites if s.stage in ("construction", "power", "permitting")}
        for rid in sorted(building):
            r = v.region(rid)
            if r.last_wage_musd > r.wage_reserve_musd * self.training_wage_trigger and v.quarters_left > spec.regions[rid].training_lead_quarters + 2:
                musd = spec.regions[rid].training_musd_per_crew * self.training_crews
                if 0.01 <= musd < budget * self.upkeep_budget_share:
                    orders.append(o.FundTraining(rid, round(musd, 2)))

    # ---- archetype specials ---------------------------------------------------------------------
    def _special(self, v: CompanyView, gens: dict[str, GenerationView], orders: list, budget: float) -> None:
        me = v.me
        spec = v.scenario
        if self.run_asic and "asic" in me.special_moves:
            asic = gens[spec.asic.generation]
            if not me.asic_active and v.quarters_left > spec.asic.programme_quarters + self.apa_quarters and budget > spec.asic.programme_cost_musd_per_quarter * spec.asic.programme_quarters:
                orders.append(o.FundAsicProgramme())
            elif me.asic_active and asic.in_production:
                liquid_kinds = {k for k, c in spec.cooling.items() if c.hosts_liquid_only}
                free_kw = sum(s.free_mw * 1000 for s in me.sites if s.stage == "online" and (s.cooling in liquid_kinds or not asic.liquid_only))
                units = int(min(free_kw * self.asic_share_of_free_power / asic.power_kw, asic.supply_units * self.supply_share_cap))
                price = asic.list_price_musd * spec.vendors[asic.vendor].spot_reserve_fraction * self.chip_bid_markup
                if units > 100 and units * price < budget:
                    orders.append(o.BidChips(asic.id, units, round(price, 6)))
        if self.sign_smr and "smr" in me.special_moves and v.quarter % self.smr_every_quarters == 1 % self.smr_every_quarters and v.quarter + spec.power.smr.delivery_lead_quarters + self.min_earning_quarters < spec.game.quarters:
            rs = [r for r in v.regions if r.smr_allowed]
            if rs:
                r = min(rs, key=lambda r: r.queue_wait_quarters_max)
                mw = spec.power.smr.max_mw_per_quarter * self.smr_share_of_offer
                if mw >= 1 and mw * spec.power.smr.deposit_musd_per_mw < budget * self.upkeep_budget_share:
                    orders.append(o.SignSmrPpa(r.id, round(mw, 1)))
        if self.subcontract and "subcontract" in me.special_moves and me.internal_demand_h100e > 0:
            own = me.capacity_h100e * spec.archetypes[me.archetype].sellable_fraction
            have = sum(k.h100e for k in me.subcontracts)
            gap = me.internal_demand_h100e - own - have
            if round(gap * self.subcontract_share, 1) > 0:
                quarters = min(self.subcontract_quarters, spec.demand.training.contract_quarters_max * 2)
                orders.append(o.Subcontract(round(gap * self.subcontract_share, 1), quarters, round(v.price_index * self.subcontract_price_factor, 4)))

    # ---- finance ---------------------------------------------------------------------------------
    def _finance(self, v: CompanyView, orders: list, committed: float) -> None:
        me = v.me
        buffer = self.cash_buffer_fraction * max(me.book_equity_musd, 0)
        spare = me.cash_musd - committed
        if spare < buffer and me.borrow_headroom_musd > 1:
            amount = _cents(min(me.borrow_headroom_musd * self.borrow_share(v), buffer - spare))
            if amount > 0:
                orders.append(o.Borrow(amount))
        elif spare > 3 * buffer and me.debt_musd > 0 and me.debt_rate > self.repay_above_rate:
            amount = _cents(min(me.debt_musd, spare - 2 * buffer))
            if amount > 0:
                orders.append(o.Repay(amount))
        if (me.distress_quarters > 0 or me.covenant_breached) and me.book_equity_musd > 0:
            cap = me.book_equity_musd * v.scenario.rules.equity_raise_max_fraction
            need = max(-me.cash_musd, 0) + buffer
            if _cents(min(cap, need)) > 0:
                orders.append(o.RaiseEquity(_cents(min(cap, need))))


_RANKED: dict[bool, tuple[tuple, list]] = {}  # liquid? -> (the generations seen, their ranking)


def buyable(generations: tuple[GenerationView, ...], liquid: bool) -> list[GenerationView]:
    """Merchant generations on sale now, best H100e per dollar (weighted by ecosystem) first.
    Every company's view of a quarter shares one generations tuple, so the ranking is made once."""
    hit = _RANKED.get(liquid)
    if hit is not None and hit[0] is generations:
        return hit[1]
    ranked = sorted(
        (g for g in generations if g.released and g.in_production and not g.custom and (liquid or not g.liquid_only) and g.supply_units > 0),
        key=lambda g: (-g.performance_h100e * g.ecosystem_factor / max(g.list_price_musd, 1e-6), g.id),
    )
    _RANKED[liquid] = (generations, ranked)
    return ranked


def _cents(musd: float) -> float:
    """Rounded down to the cent, so a rounded amount never overruns the limit it was sized to."""
    return math.floor(musd * 100) / 100


def _apa_deposit(x: o.SignChipAgreement, v: CompanyView) -> float:
    gen = v.generation(x.generation)
    return gen.apa_price_musd * x.units_per_quarter * x.quarters * v.scenario.vendors[gen.vendor].apa_deposit_fraction


# the most cash each kind of order can take this quarter, as the engine counts it when checking funds
_COSTS: dict[type, Any] = {
    o.SignChipAgreement: _apa_deposit,
    o.SignSmrPpa: lambda x, v: x.mw * v.scenario.power.smr.deposit_musd_per_mw,
    o.FundAsicProgramme: lambda x, v: v.scenario.asic.programme_cost_musd_per_quarter,
    o.RetrofitCooling: lambda x, v: next(s.mw for s in v.me.sites if s.id == x.site) * v.scenario.rules.retrofit_capex_musd_per_mw,
    o.BidInterconnect: lambda x, v: x.mw * x.price_musd_per_mw,
    o.BidGasTurbines: lambda x, v: x.mw * x.price_musd_per_mw,
    o.BidChips: lambda x, v: x.units * x.price_musd_per_unit,
    o.BidCrews: lambda x, v: x.crews * x.wage_musd,
    o.BidLot: lambda x, v: x.price_musd,
    o.FundTraining: lambda x, v: x.musd,
}


def _cost(order: Any, v: CompanyView) -> float:
    """Most cash an order can take this quarter (as the engine counts it when checking funds)."""
    f = _COSTS.get(type(order))
    return f(order, v) if f is not None else 0.0
