"""The economics every competent agent shares: secure power early, build on it, fill it, sell it."""

from __future__ import annotations

from typing import Any

import numpy as np
from attrs import define, field

from ..model import orders as o
from ..model.view import CompanyView, RegionView
from .base import Tunable
from .policy import build, chips, compute, finance, power
from .policy.holdings import Holdings, survey
from .policy.value import Forecaster, Outlook


@define
class Reading:
    """A quarter as one agent reads it, worked out once a view for every policy and hook that asks."""

    view: CompanyView
    holdings: Holdings
    outlook: Outlook
    power_ceiling: float  # the most it bids for a grid MW (max_power_price_musd_per_mw, to the $100)
    grid_prices: dict[str, float] = field(factory=dict)  # region -> what it bids for a grid MW there (Builder._grid_price)


class Builder(Tunable):
    """A planning agent whose habits are set by parameters; subclasses choose the parameters.

    Each quarter it (1) buys the accelerators its online and soon-online halls can hold where
    they are allowed to run, best H100e per dollar first, partly under advance-purchase
    agreements, and only while they earn their price back; (2) hires every crew its sites under
    construction need, fractions included; (3) starts a hall on each power source big enough,
    with the cooling that adds most; (4) keeps a pipeline of power proportional to what it
    runs, bidding where a MW adds most to its score net of its price, congested queues
    included; (5) offers all free capacity and bids on RFPs it can serve; (6) runs its
    archetype's special moves, retrofits and funds crew training where wages run high;
    (7) keeps a cash buffer with the revolver and repays expensive debt when cash is plentiful.
    The policies live in game/agents/policy/, one module per market.

    What capacity is worth (policy.value.Outlook) is the margin it earns to the end of the game
    and then as the score counts a fleet. A planner with forecast_supply (the hyperscalers'
    planners) prices that margin, where the market is forecast to shrink, from a forecast of
    supply and demand that it remembers from quarter to quarter (policy.value.Forecaster); the
    others take today's price. Its own ASICs must earn their price back like merchant chips,
    and what they earn above it must pay for the rest of the programme that makes them; a
    programme is begun on two quarters' readings, not one (a hyperscaler that began on one
    abandoned most of the programmes it began in neocloud-squeeze).
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
    subcontract_price_factor = compute.SUBCONTRACT_PRICE_FACTOR  # × price index, the most it will pay
    max_region_share = 1.0  # of a region's release, per bid
    min_block_mw = 40.0  # smallest campus worth a bid
    power_bid_markup = power.BID_MARKUP
    crew_wage_markup = build.WAGE_MARKUP
    chip_bid_markup = chips.BID_MARKUP
    apa_share = 0.5  # of expected chip needs bought under agreements
    apa_quarters = 4
    supply_share_cap = chips.SUPPLY_SHARE  # most of one generation's quarterly supply it bids for
    offer_price_factor = 1.0  # × price index
    rfp_price_factor = 0.92  # × RFP ceiling
    cash_buffer_fraction = 0.08  # of book equity
    borrow_fraction = 0.8  # of covenant headroom it is willing to use
    max_debt_years_of_ebitda = 2.0  # borrows no further than this many years of operating cash flow would repay
    forecast_supply = False  # where the market shrinks, values capacity at prices forecast from supply and demand (Outlook), not at today's
    cooling = "best"  # "best": the kind that adds most per grid MW in each region (Outlook.hall)
    _choices = {"cooling": ("best", "liquid", "immersion", "air")}  # the cooling kinds (docs/rules.md, "Build")
    _ranges = {
        **{k: (0.0, 1.0) for k in ("apa_share", "asic_share_of_free_power", "borrow_fraction", "max_region_share", "lot_budget_share", "supply_share_cap", "subcontract_share", "upkeep_budget_share", "smr_share_of_offer", "cash_buffer_fraction")},
        "rfp_price_factor": (0.05, 1.0),  # an RFP refuses bids above its ceiling
        "repay_above_rate": (0.0, 1.0),
        "max_power_price_musd_per_mw": (0.0, 100.0),
        "max_debt_years_of_ebitda": (0.0, float("inf")),
        "max_lot_usd_per_mwh": (0.0, float("inf")),
        **{k: (1, 40) for k in ("apa_quarters", "subcontract_quarters", "smr_every_quarters", "horizon_quarters")},
        **{k: (0.01, 10.0) for k in ("chip_bid_markup", "power_bid_markup", "lot_bid_markup", "crew_wage_markup", "offer_price_factor", "subcontract_price_factor")},
    }
    use_fast_track = False
    buy_lots = False
    max_lot_usd_per_mwh = float("inf")  # the dearest power a powered site it buys may run on
    lot_budget_share = 0.5  # most of what is left one powered-site bid may take
    power_must_pay = True  # bids for grid power only where a MW adds to its score net of the price
    lots_must_pay = True  # bids for a powered site only if its halls would earn more than the bid
    buy_gas = False
    sign_smr = False
    run_asic = False
    subcontract = False

    def __init__(self, seed: np.random.SeedSequence | None = None, **params: Any):
        super().__init__(seed, **params)
        self._read: Reading | None = None
        self._forecaster = Forecaster() if self.forecast_supply else None
        self._asic_pays: dict[int, bool] = {}  # quarter -> did its ASICs pay at that quarter's outlook

    # ---------------------------------------------------------------------------------------
    def decide(self, v: CompanyView) -> list[Any]:
        h, outlook = self._holdings(v), self._outlook(v)
        budget = finance.budget_musd(v, self.borrow_share(v), self.cash_buffer_fraction, self.max_debt_years_of_ebitda)
        committed = 0.0  # the most cash the orders so far can take this quarter, as the engine counts it
        orders: list[Any] = []

        def add(new: list, cost: float) -> None:
            nonlocal budget, committed
            orders.extend(new)
            budget -= cost
            committed += cost

        habits = chips.ChipHabits(self.chip_bid_markup, self.supply_share_cap, self.apa_share, self.apa_quarters)
        bought, spent, deposit = chips.purchases(v, h, budget, habits, outlook)
        orders.extend(bought)
        budget -= spent
        committed += deposit + sum(x.units * x.price_musd_per_unit for x in bought if isinstance(x, o.BidChips))
        crews = build.crew_bids(v, h, budget, self.crew_wage_markup)
        add(crews, sum(x.crews * x.wage_musd for x in crews))
        orders += build.sites_to_start(v, h, self.cooling, outlook, fast_track=self.use_fast_track, lead_quarters=self.site_lead_quarters)
        add(*self._power(v, h, budget))
        orders += compute.offers(v, h.selling, self.offer_price_factor)
        orders += compute.rfp_bids(v, h.largest_mw, self.rfp_price_factor, floor=outlook.spot_usd_per_h100e_hour)
        add(*self._special(v, budget))
        add(*self._upkeep(v, h, budget))
        orders += finance.finance_orders(v, committed, borrow_share=self.borrow_share(v), buffer_fraction=self.cash_buffer_fraction, repay_above_rate=self.repay_above_rate, max_debt_years_of_ebitda=self.max_debt_years_of_ebitda)
        return orders

    def _holdings(self, v: CompanyView) -> Holdings:
        """This quarter's survey of its own holdings (read once a view)."""
        return self._reading(v).holdings

    def _outlook(self, v: CompanyView) -> Outlook:
        """This quarter's economics (worked out once a view)."""
        return self._reading(v).outlook

    def _reading(self, v: CompanyView) -> Reading:
        if self._read is None or self._read.view is not v:
            self._read = Reading(v, survey(v, self.merchant_share(v)), Outlook(v, self._forecaster), round(self.max_power_price_musd_per_mw, 4))
        return self._read

    # ---- hooks a thesis overrides -----------------------------------------------------------
    def power_wanted_mw(self, v: CompanyView) -> float:
        """MW of new power needed to hold our share of the market a few years out."""
        me, spec = v.me, v.scenario
        horizon = self.horizon_quarters
        growth = spec.demand.growth_per_quarter(v.quarter + horizon / 2, spec.game.quarters)
        future_market = v.demand_h100e * (1 + growth) ** horizon
        total = me.capacity_h100e + sum(r.capacity_h100e for r in v.rivals if r.alive)
        share = me.capacity_h100e / total if total > 0 else 1.0 / (1 + len(v.rivals))
        internal_growth = spec.companies[me.id].internal_demand_growth_per_quarter if me.id in spec.companies else 0.0
        future_internal = me.internal_demand_h100e * (1 + internal_growth) ** horizon
        need_h100e = share * future_market * self.ambition + future_internal * compute.headroom(v)
        per_mw = self._h100e_per_mw(v)
        return max(0.0, (need_h100e - self._planned_h100e(v, per_mw)) / per_mw)

    def region_preference(self, v: CompanyView, r: RegionView) -> float:
        """Lower is better (infinite: never bid there): minus what a MW bought there now adds to
        the score net of its price, so congested queues count when the long game pays; power
        that could not be online this many quarters before the end (min_earning_quarters) and
        power that does not pay are never bought."""
        outlook = self._outlook(v)
        online = outlook.market.online_quarter[r.id]
        if self._too_late(v, online):
            return float("inf")
        if not self.power_must_pay:  # soonest online, then cheapest power
            return (online - v.quarter) * 8 + r.power_price_usd_per_mwh / 10
        _, value = outlook.hall(r, self.cooling, online)
        net = value - self._grid_price(v, r)
        return -net if net > 0 else float("inf")

    def _grid_price(self, v: CompanyView, r: RegionView) -> float:
        """What it bids for a grid MW in r: the last price marked up, never above its ceiling
        (worked out once a view: the preference for a region and its bid both ask)."""
        reading = self._reading(v)
        price = reading.grid_prices.get(r.id)
        if price is None:
            price = reading.grid_prices[r.id] = min(power.bid_price(r, self.power_bid_markup), reading.power_ceiling)
        return price

    def _too_late(self, v: CompanyView, online_quarter: int) -> bool:
        """Would power online in this quarter (Market.online_quarter) come too late to earn min_earning_quarters?"""
        return online_quarter + self.min_earning_quarters > v.quarters_total

    def merchant_share(self, v: CompanyView) -> float:
        """Share of its free hall power it fills with merchant chips (the rest waits for its own)."""
        return 1.0

    def borrow_share(self, v: CompanyView) -> float:
        """Share of the covenant headroom it will draw on this quarter."""
        return self.borrow_fraction

    # ---- what the hooks share -----------------------------------------------------------------
    def _h100e_per_mw(self, v: CompanyView) -> float:
        """H100e one grid MW can host with today's best chips in its usual cooling."""
        return self._outlook(v).h100e_per_mw("liquid" if self.cooling == "best" else self.cooling)

    def _planned_h100e(self, v: CompanyView, per_mw: float) -> float:
        """H100e it runs now plus what the power it holds but has not filled could host."""
        h = self._holdings(v)
        return v.me.capacity_h100e + max(0.0, h.held_mw - h.installed_mw) * per_mw

    # ---- power -----------------------------------------------------------------------------------
    def _power(self, v: CompanyView, h: Holdings, budget: float) -> tuple[list, float]:
        if v.quarter < self.power_from_quarter or budget <= 0:
            return [], 0.0
        want = self.power_wanted_mw(v)
        if want <= 1:
            return [], 0.0
        # keep power bids within what we can later build and fill
        per_mw = self._outlook(v).build_cost_musd_per_mw(v.regions[0], "liquid")
        want = min(want, budget / per_mw * self.power_budget_quarters)
        bids: list = power.grid_bids(
            v, want, budget, lambda r: self.region_preference(v, r),
            price_of=lambda r: self._grid_price(v, r),
            region_share=self.max_region_share, block_mw=max(self.min_block_mw, 1.0),
        )
        spent = sum(x.mw * x.price_musd_per_mw for x in bids)
        want -= sum(x.mw for x in bids)
        if self.buy_gas and want > 10 and v.quarters_left > 8:
            gas = power.gas_bid(v, want, budget - spent, markup=self.power_bid_markup, region_share=self.max_region_share, block_mw=max(self.min_block_mw, 1.0))
            if gas is not None:
                bids.append(gas)
                spent += gas.mw * gas.price_musd_per_mw
        if self.buy_lots and v.quarters_left > 4:
            lots = power.lot_bids(self._outlook(v), budget - spent, self.lot_bid_markup, self.max_lot_usd_per_mwh, self.lots_must_pay, self.lot_budget_share)
            bids += lots
            spent += sum(x.price_musd for x in lots)
        return bids, spent

    # ---- archetype specials ---------------------------------------------------------------------
    def _special(self, v: CompanyView, budget: float) -> tuple[list, float]:
        me, spec = v.me, v.scenario
        out: list = []
        spent = 0.0
        if self.run_asic and "asic" in me.special_moves:
            cost = spec.asic.programme_cost_musd_per_quarter
            outlook = self._outlook(v)
            if not me.asic_active and v.quarters_left > spec.asic.programme_quarters + self.apa_quarters and budget > cost * spec.asic.programme_quarters:
                if self._asic_programme_pays(v, outlook):
                    out.append(o.FundAsicProgramme())
                    spent += cost
            else:
                x = chips.asic_bid(v, budget, outlook, share_of_free_power=self.asic_share_of_free_power, supply_share=self.supply_share_cap, markup=self.chip_bid_markup)
                if x is not None:
                    out.append(x)
                    spent += x.units * x.price_musd_per_unit
        smr = spec.power.smr
        due = v.quarter % self.smr_every_quarters == 1 % self.smr_every_quarters
        if self.sign_smr and "smr" in me.special_moves and due and v.quarter + smr.delivery_lead_quarters + self.min_earning_quarters < spec.game.quarters:
            rs = [r for r in v.regions if r.smr_allowed]
            if rs:
                r = min(rs, key=lambda r: (r.queue_wait_quarters_max, r.id))
                mw = smr.max_mw_per_quarter * self.smr_share_of_offer
                if mw >= 1 and mw * smr.deposit_musd_per_mw < budget * self.upkeep_budget_share:
                    x = o.SignSmrPpa(r.id, round(mw, 1))
                    out.append(x)
                    spent += x.mw * smr.deposit_musd_per_mw
        if self.subcontract:
            x = compute.subcontract(v, self.subcontract_share, self.subcontract_quarters, self.subcontract_price_factor)
            if x is not None:
                out.append(x)
        return out, spent

    def _asic_programme_pays(self, v: CompanyView, outlook: Outlook) -> bool:
        """Fund the ASIC programme this quarter? Once begun, while the rest of it pays at this
        quarter's outlook (chips.asic_programme_pays). A programme is years of R&D, so it is begun
        only when it paid at this quarter's outlook and the last one's: one quarter's results (a
        contract won, a demand spike) are enough to abandon it, not to begin it. The first
        quarter's outlook reads no results, only the published starting market, and may begin it."""
        pays = self._asic_pays[v.quarter] = chips.asic_programme_pays(v, outlook, self.chip_bid_markup, self.supply_share_cap)
        return pays and (v.me.asic_quarters_funded > 0 or self._asic_pays.get(v.quarter - 1, v.quarter == 0))

    # ---- upkeep: retrofits and the crew commons ---------------------------------------------------
    def _upkeep(self, v: CompanyView, h: Holdings, budget: float) -> tuple[list, float]:
        share = budget * self.upkeep_budget_share
        out: list = []
        spent = 0.0
        x = build.retrofit(v, h, share, self.cooling if self.cooling != "best" else "liquid")
        if x is not None:
            out.append(x)
            spent += build.retrofit_capex(v, next(s.mw for s in v.me.sites if s.id == x.site), x.cooling)
        programmes = build.training(v, h, share - spent, wage_trigger=self.training_wage_trigger, crews=self.training_crews)
        return out + programmes, spent + sum(p.musd for p in programmes)
