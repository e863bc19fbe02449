"""The economics every competent agent shares: secure power early, build on it, fill it, sell it."""

from __future__ import annotations

import math
import operator
from typing import Any, Callable

import numpy as np

from ..model import orders as o
from ..model.view import CompanyView, GenerationView, RegionView, RfpView
from .base import Tunable

# Where a decision runs every quarter, the smaller or larger of two numbers is written `b if b < a
# else a` (min(a, b)) or `b if b > a else a` (max(a, b)), exactly what the builtins return, NaN
# and ties included: the builtins cost several times more (they build a tuple and an iterator).


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
        # Its habits copied onto itself (Python reads an object's own attribute faster than its
        # class's), before a seat's parameters replace some of them.
        cls = type(self)
        habits = _HABITS.get(cls)
        if habits is None:
            habits = _HABITS[cls] = cls.parameters()
        vars(self).update(habits)
        super().__init__(seed, **params)
        self._best: GenerationView | None = None
        self._spec: Any = None  # the scenario (and company) the constants below were read from
        self._cid = ""
        self._seen: CompanyView | None = None  # the view the holdings below describe (only while deciding)

    # ---------------------------------------------------------------------------------------
    def decide(self, v: CompanyView) -> list[Any]:
        me = v.me
        if v.scenario is not self._spec or me.id != self._cid:
            self._learn(v)
        orders: list[Any] = []
        # a hair under the engine's funds, so rounded prices never overrun it
        equity = me.book_equity_musd
        budget = 0.995 * (me.cash_musd + me.borrow_headroom_musd * self.borrow_share(v)) - self.cash_buffer_fraction * (0 if 0 > equity else equity)
        gens, ranked = _shared("market", v.generations, _market)
        self._ranked = ranked  # what is on sale, best buy first, for liquid-cooled halls and for any
        self._best = ranked[True][0] if ranked[True] else None  # today's best buy, for planning
        self._now = _shared("regions", v.regions, _RegionsNow)
        self._regions = self._now.by_id
        self._survey(v, gens)
        # the most cash the orders so far can take this quarter, as the engine counts it when
        # checking funds; each step adds what it orders, in order, so the sum is the engine's
        self._committed = 0
        budget -= self._chips(v, gens, orders, budget)
        budget -= self._crews(v, orders, budget)
        self._sites(v, orders)
        budget -= self._power(v, orders, budget)
        self._sell(v, orders)
        self._special(v, gens, orders, budget)
        self._upkeep(v, orders, budget)
        self._finance(v, orders, committed=self._committed)
        self._seen = None
        return orders

    def _learn(self, v: CompanyView) -> None:
        """What it reads from the scenario once a game rather than every quarter: it never changes."""
        spec = v.scenario
        self._spec, self._cid = spec, v.me.id
        self._liquid_kinds = [k for k, c in spec.cooling.items() if c.hosts_liquid_only]
        self._liquid = frozenset(self._liquid_kinds)
        self._sellable = spec.archetypes[v.me.archetype].sellable_fraction
        self._internal_growth = spec.companies[v.me.id].internal_demand_growth_per_quarter if v.me.id in spec.companies else 0.0
        d = spec.demand
        self._growth_start, self._growth_rise = d.growth_per_quarter_start, d.growth_per_quarter_end - d.growth_per_quarter_start
        self._last_quarter = max(1, spec.game.quarters - 1)
        self._commissioning = spec.rules.commissioning_quarters
        self._per_crew = spec.rules.construction_mw_per_crew_quarter
        self._pue = spec.cooling[self.cooling].pue
        self._settled: tuple[tuple, tuple] = ((), ())  # see _survey

    def _survey(self, v: CompanyView, gens: dict[str, GenerationView]) -> None:
        """One pass over its own sites, power and chips for the facts several steps need this quarter."""
        me = v.me
        q = v.quarter
        liquid = self._liquid
        share = self.merchant_share(v)
        per_crew = self._per_crew
        soon = q + 2  # chips bought now arrive about then
        sites = me.sites
        # The sites that lead the list online and unchanged since last quarter (the observer hands
        # back the very same view objects) add up to what they did then: start from those sums.
        settled, sums = self._settled
        n = len(settled)
        if n and sums[0] == share and len(sites) >= n and all(map(operator.is_, settled, sites)):
            _, free_liquid_kw, free_air_kw, installed_mw, selling, largest, empty_air = sums
            selling, empty_air = set(selling), list(empty_air)
        else:
            n = 0
            free_liquid_kw = free_air_kw = 0.0  # hall power online or about to be
            installed_mw = 0  # grid MW in use
            selling = set()
            largest = None
            empty_air = []
        crews: dict[str, float] = {}  # region -> crews its sites under construction need
        ready: dict[str, int] | None = None  # power id -> quarter it is ready (built when first needed)
        building: set[str] = set()
        lead = True  # still among the sites that lead the list online
        for i, s in enumerate(sites[n:] if n else sites, n):
            free = s.free_mw
            stage = s.stage
            if stage == "online":
                if s.cooling in liquid:
                    free_liquid_kw += free * 1000 * share
                else:
                    free_air_kw += free * 1000 * share
                if s.installed:
                    selling.add(s.region)
                    if largest is None or s.mw > largest:
                        largest = s.mw
                elif s.cooling not in liquid:
                    empty_air.append(s)
            else:
                if lead:  # the sums so far are next quarter's start if these sites stay as they are
                    lead = False
                    if i > n:
                        self._settled = sites[:i], (share, free_liquid_kw, free_air_kw, installed_mw, frozenset(selling), largest, tuple(empty_air))
                if 0 <= s.expected_online <= soon:
                    if s.cooling in liquid:
                        free_liquid_kw += free * 1000 * share
                    else:
                        free_air_kw += free * 1000 * share
                if stage in ("construction", "power", "permitting"):
                    building.add(s.region)
                    if stage == "power" and ready is None:
                        ready = {p.id: p.ready_quarter for p in me.power}
                    # crews for what is being built, or will be once its power is ready this quarter
                    if stage == "construction" or (stage == "power" and s.power in ready and ready[s.power] <= q):
                        crews[s.region] = crews.get(s.region, 0.0) + (s.mw - s.built_mw) / per_crew
            it = s.it_mw
            if it > 0:
                installed_mw += (it - free) * s.mw / it
        if lead and len(sites) > n:
            self._settled = sites, (share, free_liquid_kw, free_air_kw, installed_mw, frozenset(selling), largest, tuple(empty_air))
        held_mw = 0
        unsited = []
        for p in me.power:
            held_mw += p.mw
            if p.site is None:
                unsited.append(p)
        # what is already coming: inventory, deliveries, agreements
        coming_kw = 0
        waiting_liquid = 0  # liquid-only chips in the warehouse
        for g, n in me.inventory.items():
            gen = gens[g]
            coming_kw += gen.power_kw * n
            if gen.liquid_only:
                waiting_liquid += n
        delivered = 0
        for d in me.deliveries:
            delivered += gens[d.generation].power_kw * d.units
        coming_kw += delivered
        agreed = 0
        for a in me.agreements:
            agreed += gens[a.generation].power_kw * a.units_per_quarter
        coming_kw += agreed
        self._seen = v
        self._free_kw = {True: free_liquid_kw, False: free_air_kw}
        self._installed_mw, self._crews_needed, self._selling = installed_mw, crews, selling
        self._largest_mw = 0.0 if largest is None else largest
        self._empty_air, self._building, self._held_mw, self._unsited = empty_air, building, held_mw, unsited
        self._coming_kw, self._waiting_liquid = coming_kw, waiting_liquid

    def _look(self, v: CompanyView) -> None:
        if v.scenario is not self._spec or v.me.id != self._cid:
            self._learn(v)
        self._survey(v, _shared("market", v.generations, _market)[0])

    # ---- power ------------------------------------------------------------------------------
    def _build_quarters(self, v: CompanyView, r: RegionView) -> float:
        rules = v.scenario.rules
        return r.permitting_quarters + 2 + rules.commissioning_quarters

    def _h100e_per_mw(self, v: CompanyView) -> float:
        """H100e one grid MW can host with today's best chips in our cooling."""
        best = self._best if self._best is not None else self._best_generation(v, {g.id: g for g in v.generations}, liquid=True)
        pue = self._pue if v.scenario is self._spec else v.scenario.cooling[self.cooling].pue
        return 1000 / (best.power_kw * pue) * best.performance_h100e if best else 1000.0

    def power_wanted_mw(self, v: CompanyView) -> float:
        """MW of new power needed to hold our share of the market a few years out."""
        me = v.me
        if v.scenario is not self._spec or me.id != self._cid:
            self._learn(v)
        horizon = self.horizon_quarters
        f = (v.quarter + horizon / 2) / self._last_quarter
        f = f if f < 1.0 else 1.0
        growth = self._growth_start + self._growth_rise * f
        future_market = v.demand_h100e * (1 + growth) ** horizon
        rivals = 0
        for r in v.rivals:
            if r.alive:
                rivals += r.capacity_h100e
        total = me.capacity_h100e + rivals
        share = me.capacity_h100e / total if total > 0 else 1.0 / (1 + len(v.rivals))
        future_internal = me.internal_demand_h100e * (1 + self._internal_growth) ** horizon
        need_h100e = (share * future_market * self.ambition + future_internal) / self._sellable
        per_mw = self._h100e_per_mw(v)
        want = (need_h100e - self._planned_h100e(v, per_mw)) / per_mw
        return want if want > 0.0 else 0.0

    def _planned_h100e(self, v: CompanyView, per_mw: float) -> float:
        """H100e it runs now plus what the power it holds but has not filled could host."""
        if self._seen is not v:
            self._look(v)
        idle_mw = self._held_mw - self._installed_mw
        return v.me.capacity_h100e + (idle_mw if idle_mw > 0.0 else 0.0) * per_mw

    def _power(self, v: CompanyView, orders: list, budget: float) -> float:
        if v.quarter < self.power_from_quarter:
            return 0.0
        want = self.power_wanted_mw(v)
        if want <= 1 or budget <= 0:
            return 0.0
        # keep power bids within what we can later build and fill
        per_mw = self._all_in_musd_per_mw(v)
        most = budget / per_mw * self.power_budget_quarters
        if most < want:
            want = most
        spent = 0.0
        committed = self._committed
        # where a position comes online soonest and runs cheapest, of those that would come
        # online early enough to earn before the end
        left = v.quarters_left
        # queue + _build_quarters + min_earning_quarters <= left, rearranged (whole quarters, so exact):
        # the longest queue and permit that still earn
        latest = left - self.min_earning_quarters - 2 - self._commissioning
        ranked = []
        for wait, r in self._now.releasing:
            if wait <= latest:
                ranked.append((self.region_preference(v, r), r.id, r))
        ranked.sort()
        block, smallest = self.min_block_mw, max(self.min_block_mw, 1.0)
        region_share, ceiling, markup = self.max_region_share, self.max_power_price_musd_per_mw, self.power_bid_markup
        for pref, _, r in ranked:
            if want <= 1:
                break
            if not math.isfinite(pref):
                continue
            mw = block if block > want else want
            most = r.grid_release_mw * region_share
            mw = most if most < mw else mw
            reserve, last = r.grid_reserve_price_musd_per_mw, r.last_grid_price_musd_per_mw
            price = (last if last > reserve else reserve) * markup
            price = round(price if price < ceiling else ceiling, 4)
            if price < reserve or price <= 0:
                continue  # its ceiling is below the reserve
            money = budget - spent
            most = (money if money > 0.0 else 0.0) / price  # no more than is left to pay with
            mw = math.floor((most if most < mw else mw) * 10) / 10
            if mw >= smallest:
                orders.append(o.BidInterconnect(r.id, mw, price))
                want -= mw
                spent += mw * price
                committed += mw * price
        if self.buy_gas and want > 10 and left > 8:
            r = self._now.cheapest_gas
            if r is not None:
                mw = min(want, v.gas_supply_mw * region_share)
                price = max(v.gas_reserve_price_musd_per_mw, v.last_gas_price_musd_per_mw) * markup
                if mw >= smallest and mw * price < budget - spent:
                    x = o.BidGasTurbines(r.id, round(mw, 1), round(price, 4))
                    orders.append(x)
                    committed += x.mw * x.price_musd_per_mw
                    spent += mw * price
                    want -= mw
        if self.buy_lots and left > 4:
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
                    committed += bid
        self._committed = committed
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
        pue = self._pue if v.scenario is self._spec else v.scenario.cooling[self.cooling].pue
        chips = 1000 / (best.power_kw * pue) * best.list_price_musd if best else 0.0
        return v.regions[0].capex_musd_per_mw[self.cooling] + chips

    # ---- sites and crews -------------------------------------------------------------------------
    def _sites(self, v: CompanyView, orders: list) -> None:
        """Start a site on each free power source once its permit would land about when the
        power does: earlier ties up nothing useful, later wastes the power."""
        if not self._unsited:
            return
        fast = self.use_fast_track and "fast_track" in v.me.special_moves
        factor = v.scenario.rules.fast_track_permit_factor if fast else 1.0
        regions, q, lead = self._regions, v.quarter, self.site_lead_quarters
        for p in self._unsited:
            if p.energised or p.ready_quarter - q <= regions[p.region].permitting_quarters * factor + lead:
                orders.append(o.StartSite(p.id, self.cooling, fast))

    def _crews(self, v: CompanyView, orders: list, budget: float) -> float:
        spent = 0.0
        if not self._crews_needed:
            return spent
        regions = self._regions
        for rid, n in self._crews_needed.items():
            r = regions[rid]
            most = r.crews_pool * 0.6
            n = most if most < n else n
            if n < 0.5:
                continue
            reserve, last = r.wage_reserve_musd, r.last_wage_musd
            wage = (last if last > reserve else reserve) * self.crew_wage_markup
            money = budget - spent
            most = (money if money > 0.0 else 0.0) / wage
            n = most if most < n else n
            if n < 0.5:
                continue
            x = o.BidCrews(rid, round(n, 2), round(wage, 4))
            orders.append(x)
            cost = x.crews * x.wage_musd
            spent += cost
            self._committed += cost
        return spent

    # ---- chips -------------------------------------------------------------------------------------
    def _best_generation(self, v: CompanyView, gens: dict[str, GenerationView], *, liquid: bool) -> GenerationView | None:
        ranked = buyable(v.generations, liquid)
        return ranked[0] if ranked else None

    def _chips(self, v: CompanyView, gens: dict[str, GenerationView], orders: list, budget: float) -> float:
        free_kw = self._free_kw
        coming_kw = self._coming_kw
        spent = 0.0
        committed = self._committed
        signed = False
        markup, supply_cap, apa_share = self.chip_bid_markup, self.supply_share_cap, self.apa_share
        for liquid in (True, False):
            need_kw = free_kw[liquid] - coming_kw
            coming_kw -= free_kw[liquid]
            coming_kw = coming_kw if coming_kw > 0.0 else 0.0
            # the best value first, each taking at most a share of its generation's supply
            for best in self._ranked[liquid]:
                if need_kw < best.power_kw * 100 or budget - spent <= 0:
                    break
                listed, last = best.list_price_musd, best.last_spot_price_musd
                price = (last if last > listed else listed) * markup
                units = need_kw / best.power_kw  # the least of what fits, what is on sale and what it can pay for
                most = best.supply_units * supply_cap
                units = most if most < units else units
                most = (budget - spent) / price
                units = int(most if most < units else units)
                if units <= 0:
                    continue
                apa_units = units * apa_share
                room = best.apa_room_units
                apa_units = int(room if room < apa_units else apa_units)
                apa_quarters = v.scenario.vendors[best.vendor].apa_max_quarters
                apa_quarters = apa_quarters if apa_quarters < self.apa_quarters else self.apa_quarters
                if not signed and apa_units > 100 and v.quarters_left > apa_quarters:
                    deposit = best.apa_price_musd * apa_units * apa_quarters * v.scenario.vendors[best.vendor].apa_deposit_fraction
                    if deposit + spent < budget:
                        orders.append(o.SignChipAgreement(best.id, apa_units, apa_quarters))
                        committed += deposit
                        spent += deposit + best.apa_price_musd * apa_units
                        units = int(min(units - apa_units, max(0.0, budget - spent) / price))  # the deposit used some of the money
                        need_kw -= apa_units * best.power_kw
                        signed = True
                if units > 0:
                    x = o.BidChips(best.id, units, round(price, 6))
                    orders.append(x)
                    committed += units * x.price_musd_per_unit
                    spent += units * price
                    need_kw -= units * best.power_kw
        self._committed = committed
        return spent

    # ---- selling ---------------------------------------------------------------------------------
    def _sell(self, v: CompanyView, orders: list) -> None:
        me = v.me
        if self._selling:
            # companies asking the same price this quarter share the (immutable) orders that say so
            # (and the rounding: Python's round to a number of digits is slow)
            factor, index = self.offer_price_factor, v.price_index
            by_factor = self._now.offers
            hit = by_factor.get(factor)
            if hit is None or hit[0] != index:
                hit = by_factor[factor] = (index, round(index * factor, 4), {})
            _, price, offers = hit
            for rid in sorted(self._selling):
                x = offers.get(rid)
                if x is None:
                    x = offers[rid] = o.OfferCompute(rid, price)
                orders.append(x)
        if not v.rfps:
            return
        largest = self._largest_mw
        committed = 0
        for k in me.contracts:
            committed += k.h100e
        free = me.capacity_h100e * self._sellable - committed - me.internal_demand_h100e
        cid, factor = me.id, self.rfp_price_factor
        rfps = _shared("rfps", v.rfps, _RfpsNow)
        bids = rfps.bids.get(factor)  # shared as the offers are
        if bids is None:
            bids = rfps.bids[factor] = {}
        for r in rfps.by_price:
            if r.customer == cid or r.min_site_mw > largest or r.h100e > free:
                continue
            x = bids.get(r.id)
            if x is None:
                x = bids[r.id] = o.BidRfp(r.id, round(r.max_price_usd_per_h100e_hour * factor, 4))
            orders.append(x)
            free -= r.h100e

    # ---- upkeep: retrofits and the crew commons ---------------------------------------------------
    def _upkeep(self, v: CompanyView, orders: list, budget: float) -> None:
        """Retrofit an empty air hall when liquid-only chips wait for a home; fund crew training
        where wages have run far above the floor and we still have halls to build."""
        spec = v.scenario
        liquid_kinds = self._liquid_kinds
        if self._waiting_liquid and liquid_kinds and self._empty_air and v.quarters_left > spec.rules.retrofit_quarters + 2:
            s = max(self._empty_air, key=lambda s: (s.mw, s.id))
            capex = s.mw / v.scenario.cooling[liquid_kinds[0]].pue * spec.rules.retrofit_capex_musd_per_it_mw
            if capex < budget * self.upkeep_budget_share:
                orders.append(o.RetrofitCooling(s.id, self.cooling if self.cooling in liquid_kinds else liquid_kinds[0]))
                self._committed += capex
        if not self._building:
            return
        regions = self._regions
        for rid in sorted(self._building):
            r = regions[rid]
            if r.last_wage_musd > r.wage_reserve_musd * self.training_wage_trigger and v.quarters_left > spec.regions[rid].training_lead_quarters + 2:
                musd = spec.regions[rid].training_musd_per_crew * self.training_crews
                if 0.01 <= musd < budget * self.upkeep_budget_share:
                    x = o.FundTraining(rid, round(musd, 2))
                    orders.append(x)
                    self._committed += x.musd

    # ---- archetype specials ---------------------------------------------------------------------
    def _special(self, v: CompanyView, gens: dict[str, GenerationView], orders: list, budget: float) -> None:
        me = v.me
        spec = v.scenario
        if self.run_asic and "asic" in me.special_moves:
            asic = gens[spec.asic.generation]
            if not me.asic_active and v.quarters_left > spec.asic.programme_quarters + self.apa_quarters and budget > spec.asic.programme_cost_musd_per_quarter * spec.asic.programme_quarters:
                orders.append(o.FundAsicProgramme())
                self._committed += spec.asic.programme_cost_musd_per_quarter
            elif me.asic_active and asic.in_production:
                free_kw = 0
                anywhere, liquid = not asic.liquid_only, self._liquid
                for s in me.sites:
                    if s.stage == "online" and (anywhere or s.cooling in liquid):
                        free_kw += s.free_mw * 1000
                units = int(min(free_kw * self.asic_share_of_free_power / asic.power_kw, asic.supply_units * self.supply_share_cap))
                price = asic.list_price_musd * spec.vendors[asic.vendor].spot_reserve_fraction * self.chip_bid_markup
                if units > 100 and units * price < budget:
                    x = o.BidChips(asic.id, units, round(price, 6))
                    orders.append(x)
                    self._committed += units * x.price_musd_per_unit
        if self.sign_smr and "smr" in me.special_moves and v.quarter % self.smr_every_quarters == 1 % self.smr_every_quarters and v.quarter + spec.power.smr.delivery_lead_quarters + self.min_earning_quarters < spec.game.quarters:
            rs = [r for r in v.regions if r.smr_allowed]
            if rs:
                r = min(rs, key=lambda r: r.queue_wait_quarters_max)
                mw = spec.power.smr.max_mw_per_quarter * self.smr_share_of_offer
                if mw >= 1 and mw * spec.power.smr.deposit_musd_per_mw < budget * self.upkeep_budget_share:
                    x = o.SignSmrPpa(r.id, round(mw, 1))
                    orders.append(x)
                    self._committed += x.mw * spec.power.smr.deposit_musd_per_mw
        if self.subcontract and "subcontract" in me.special_moves and me.internal_demand_h100e > 0:
            own = me.capacity_h100e * self._sellable
            have = 0
            for k in me.subcontracts:
                have += k.h100e
            gap = me.internal_demand_h100e - own - have
            h100e = round(gap * self.subcontract_share, 1) if gap > 0 else 0.0  # a share of no gap rounds to none
            if h100e > 0:
                quarters = min(self.subcontract_quarters, spec.demand.training.contract_quarters_max * 2)
                orders.append(o.Subcontract(h100e, quarters, round(v.price_index * self.subcontract_price_factor, 4)))

    # ---- finance ---------------------------------------------------------------------------------
    def _finance(self, v: CompanyView, orders: list, committed: float) -> None:
        me = v.me
        equity = me.book_equity_musd
        buffer = self.cash_buffer_fraction * (0 if 0 > equity else equity)
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


_HABITS: dict[type, dict[str, object]] = {}  # each Builder class's parameters and their defaults


def _cents(musd: float) -> float:
    """Rounded down to the cent, so a rounded amount never overruns the limit it was sized to."""
    return math.floor(musd * 100) / 100


# Every company's view of a quarter shares one tuple of regions, generations and RFPs, so what
# is made from one of them alone is made once a quarter: what -> (the tuple, what was made from it).
# Holding the tuple keeps its id from being reused by a later one.
_SHARED: dict[str, tuple[tuple, Any]] = {}


def _shared(what: str, items: tuple, make: Callable[[tuple], Any]) -> Any:
    hit = _SHARED.get(what)
    if hit is not None and hit[0] is items:
        return hit[1]
    made = make(items)
    _SHARED[what] = (items, made)
    return made


def _by_id(items: tuple) -> dict[str, Any]:
    return {x.id: x for x in items}


class _RegionsNow:
    """What is made once a quarter from the regions every company's view of it shares."""

    def __init__(self, regions: tuple[RegionView, ...]):
        self.by_id = _by_id(regions)
        # those releasing grid power, each with its longest queue plus its permit
        self.releasing = [(r.queue_wait_quarters_max + r.permitting_quarters, r) for r in regions if not r.moratorium and r.grid_release_mw > 0]
        gas = [r for r in regions if r.gas_allowed]  # where on-site gas turbines run cheapest (None: nowhere allows them)
        self.cheapest_gas = min(gas, key=lambda r: (r.power_price_usd_per_mwh, r.id)) if gas else None
        self.offers: dict[float, tuple] = {}  # offer price factor -> (price index, price, region -> its OfferCompute)


class _RfpsNow:
    """What is made once a quarter from the RFPs every company's view of it shares."""

    def __init__(self, rfps: tuple[RfpView, ...]):
        self.by_price = sorted(rfps, key=lambda r: -r.max_price_usd_per_h100e_hour)  # the best-paying first
        self.bids: dict[float, dict[str, Any]] = {}  # bid price factor -> RFP id -> its BidRfp


def buyable(generations: tuple[GenerationView, ...], liquid: bool) -> list[GenerationView]:
    """Merchant generations on sale now, best H100e per dollar (weighted by ecosystem) first."""
    return _shared("market", generations, _market)[1][liquid]


def _market(generations: tuple[GenerationView, ...]) -> tuple[dict[str, GenerationView], dict[bool, list[GenerationView]]]:
    """The generations by id, and those on sale for liquid-cooled halls and for any hall, best first."""
    return _by_id(generations), {True: _ranked(generations, True), False: _ranked(generations, False)}


def _ranked(generations: tuple[GenerationView, ...], liquid: bool) -> list[GenerationView]:
    return sorted(
        (g for g in generations if g.released and g.in_production and not g.custom and (liquid or not g.liquid_only) and g.supply_units > 0),
        key=_best_value_first,
    )


def _best_value_first(g: GenerationView) -> tuple[float, str]:
    price = g.list_price_musd
    return -g.performance_h100e * g.ecosystem_factor / (1e-6 if 1e-6 > price else price), g.id
