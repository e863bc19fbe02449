"""What capacity is worth to the score: the margin an H100e earns a quarter, counted to the end
of the game and then as the score counts a fleet (engine.scoring.annuity)."""

from __future__ import annotations

import math

from ...engine.scoring import OPERATING
from . import compute
from ...model.view import CompanyView, GenerationView, RegionView
from .market import Market


def margin_musd_per_h100e(v: CompanyView) -> float:
    """What one of its H100e earned last quarter after running costs; before it has any
    capacity, what the market price pays for the share of capacity its archetype sells."""
    me, spec = v.me, v.scenario
    pnl = v.last_private.pnl if v.last_private is not None else {}
    if me.capacity_h100e > 0 and pnl:
        return sum(x for k, x in pnl.items() if k in OPERATING) / me.capacity_h100e
    # an H100e sold on demand is busy a load factor of the time (the compute market's rule)
    return v.price_index * spec.rules.hours_per_quarter * spec.demand.spot_load_factor / 1e6


class Outlook:
    """One company's economics this quarter, worked out once for every policy that asks: its
    margin per H100e and what a MW is worth where, on the quarter's public Market (today's best
    chips per kind of hall, running costs). With a Forecaster, in a market forecast to shrink, the
    prices capacity will sell at follow supply and demand (price_path); otherwise today's holds."""

    def __init__(self, v: CompanyView, forecaster: Forecaster | None = None):
        self.v = v
        spec = v.scenario
        self.market = m = Market.of(v)
        self.best = m.best
        self.usual_cost = m.usual_cost
        self.annuity = m.annuity
        # What one more H100e would earn: its own average margin, but no more than the market
        # pays for the share of capacity its archetype sells (its own demand is already served
        # by what it runs, so new capacity earns at market prices)
        me = v.me
        load = spec.demand.spot_load_factor  # share of the time an H100e sold on demand is busy
        hours = spec.rules.hours_per_quarter
        # what an H100e-hour of capacity earns on the spot market, busy a load factor of the time
        self.spot_usd_per_h100e_hour = v.price_index * load * m.spot_sell_through
        market = self.spot_usd_per_h100e_hour * hours / 1e6 - self.usual_cost
        self.margin = min(margin_musd_per_h100e(v), market)
        # while its own demand outgrows what it runs, one more H100e serves that demand at its value
        unserved = me.internal_demand_h100e - compute.own_serving_h100e(v) - sum(k.h100e for k in me.subcontracts)
        if unserved > 0 and me.id in spec.companies:
            internal = v.price_index * spec.companies[me.id].internal_value_multiple * hours * load / 1e6 - self.usual_cost
            self.margin = max(self.margin, internal)
        # what an H100e takes in a quarter before running costs: the part of the margin that
        # follows the price index
        self.revenue = self.margin + self.usual_cost
        # the price index forecast for each quarter from now, as a share of today's. While the
        # market grows, growth absorbs a glut and today's price is the estimate; where it is
        # forecast to shrink, a forecaster works the price out from supply and demand
        growth = spec.demand.growth_per_quarter(v.quarter, v.quarters_total)
        self.step = 1 + min(0.0, growth)  # a quarter's sales as a share of the one before
        if forecaster is not None and growth < 0:
            self.prices = forecaster.path(v, m)
            self.flat = all(p == 1.0 for p in self.prices)
        else:
            self.prices, self.flat = (1.0,) * (max(0, v.quarters_total - v.quarter) + 1), True
        self._per_region: dict[str, dict[str, tuple[float, float, float]]] = {}  # region -> _terms
        self._worth: dict[int, tuple[float, float]] = {}  # quarter online -> _quarters

    def on_sale(self, liquid: bool, restricted: bool = False) -> tuple[GenerationView, ...]:
        """Merchant generations on sale now that a hall of this kind may host, best value first
        (the quarter's Market sorts them once for every company)."""
        return self.market.on_sale[liquid, restricted]

    def earning_quarters(self, online_quarter: int) -> float:
        """Quarters of margin capacity online from `online_quarter` is worth: those left in the
        game, then the fleet value the score gives it at the end (engine.scoring.annuity). While
        the market is forecast to shrink, each later quarter earns less, in step with demand."""
        return self._quarters(online_quarter)[0]

    def _quarters(self, online_quarter: int) -> tuple[float, float]:
        """earning_quarters, and the same quarters each weighted by the price forecast for it as
        a share of today's (what takings from `online_quarter` on are worth in quarters of
        today's takings); worked out once per quarter online."""
        hit = self._worth.get(online_quarter)
        if hit is None:
            hit = self._worth[online_quarter] = self._count_quarters(online_quarter)
        return hit

    def _count_quarters(self, online_quarter: int) -> tuple[float, float]:
        v, step, prices = self.v, self.step, self.prices
        left = max(0, v.quarters_total - online_quarter)
        if step == 1 and self.flat:  # the usual case: every quarter left, then the annuity
            return left + self.annuity, left + self.annuity
        ahead = max(0, online_quarter - v.quarter)
        quarters = priced = 0.0
        for t in range(left):
            weight = step ** (ahead + t)
            quarters += weight
            priced += weight * prices[min(ahead + t, len(prices) - 1)]
        end = step ** (ahead + left) * self.annuity
        return quarters + end, priced + end * prices[min(ahead + left, len(prices) - 1)]

    def value_musd_per_h100e(self, online_quarter: int) -> float:
        """What one H100e online from `online_quarter` adds to the score before it is paid for:
        its takings at the forecast prices less the running costs of the usual region and cooling."""
        return self._worth_of((self.revenue, self.usual_cost, 0.0), online_quarter)

    def _worth_of(self, terms: tuple[float, float, float], online_quarter: int) -> float:
        """Takings a quarter at the forecast prices, less running costs a quarter, over the
        quarters capacity online from `online_quarter` earns, less what it costs to build."""
        takes, runs, build_musd = terms
        quarters, priced = self._quarters(online_quarter)
        return takes * priced - runs * quarters - build_musd

    def best_for(self, cooling: str) -> GenerationView | None:
        return self.market.best_for(cooling)

    def h100e_per_mw(self, cooling: str) -> float:
        """H100e one grid MW can host with today's best chips in this cooling."""
        return self.market.filled[cooling][0]

    def build_cost_musd_per_mw(self, r: RegionView, cooling: str) -> float:
        """A grid MW built out and filled with today's best chips: the hall and the accelerators."""
        return self.market.build_cost_musd_per_mw(r, cooling)

    def _terms(self, r: RegionView) -> dict[str, tuple[float, float, float]]:
        """By cooling: what a grid MW in r takes in a quarter (before running costs), what running
        it costs a quarter, and what building and filling it costs."""
        hit = self._per_region.get(r.id)
        if hit is None:
            hit = self._per_region[r.id] = {}
            for kind, hall in self.market.halls[r.id]:
                if hall is None:
                    hit[kind] = (0.0, 0.0, 0.0)  # no chips to fill it: worth nothing
                else:
                    h100e_per_mw, running_musd_per_h100e, build_musd_per_mw = hall
                    hit[kind] = (h100e_per_mw * self.revenue, h100e_per_mw * running_musd_per_h100e, build_musd_per_mw)
        return hit

    def mw_value_musd(self, r: RegionView, cooling: str, online_quarter: int) -> float:
        """What a grid MW in region r, online in `online_quarter`, adds to the score before its
        power is paid for: its takings at the forecast prices less its running costs, less
        building and filling it."""
        return self._worth_of(self._terms(r)[cooling], online_quarter)

    def hall(self, r: RegionView, cooling: str, online_quarter: int) -> tuple[str, float]:
        """The cooling a hall in r gets and what a grid MW of it online in `online_quarter` adds to
        the score before its power is paid for (mw_value_musd). With cooling "best", the kind that
        adds the most (the first in name order on a tie): a lower PUE puts more chips on the same
        scarce MW, a dearer hall costs more, air cannot host liquid-only chips."""
        if cooling != "best":
            return cooling, self.mw_value_musd(r, cooling, online_quarter)
        best, most = "", 0.0
        for kind, terms in self._terms(r).items():
            value = self._worth_of(terms, online_quarter)
            if not best or value > most:
                best, most = kind, value
        return best, most


PIPELINE_QUARTERS = 6  # announced sites are taken to come online evenly over this many quarters
READING_WEIGHT = 0.5  # a quarter's reading of the market, against the forecasts made before it


class Forecaster:
    """One company's price forecasts, remembered from quarter to quarter: each quarter's reading
    (price_path) is blended with what it forecast before for the same quarters, a new reading
    weighing READING_WEIGHT, so that one quarter's passing glut or shortage moves a building plan
    only part of the way. Today's price is known, not forecast."""

    def __init__(self) -> None:
        self._quarter = -1
        self._levels: dict[int, float] = {}  # quarter -> the index forecast for it, $/H100e-hour
        self._before: dict[int, float] = {}  # the forecasts made in the quarters before this one

    def path(self, v: CompanyView, m: Market) -> tuple[float, ...]:
        """The forecast for each quarter from now to the end, as a share of today's price."""
        if v.quarter != self._quarter:  # a new quarter: what was forecast so far is what it blends with
            self._quarter, self._before = v.quarter, self._levels
        today = v.price_index
        levels = {}
        for k, share in enumerate(price_path(v, m)):
            q, level = v.quarter + k, share * today
            before = self._before.get(q)
            levels[q] = level if before is None or k == 0 else READING_WEIGHT * level + (1 - READING_WEIGHT) * before
        self._levels = levels
        return tuple(min(1.0, levels[v.quarter + k] / today) if today > 0 else 1.0 for k in range(len(levels)))


def price_path(v: CompanyView, m: Market) -> tuple[float, ...]:
    """The price index forecast for each quarter from now to the end, as a share of today's,
    worked out from public figures as the rules move the index: each quarter's glut or shortage
    (what customers would buy at the going price less what is offered, as a share of all demand)
    moves it by price_index_sensitivity, at most price_index_excess_cap, never below its floor.
    Offered: last quarter's offers, plus every company's announced sites (they come online over
    PIPELINE_QUARTERS, filled with today's best chips), less what in-house demand takes of
    hyperscalers' spare capacity as it grows (at the company's own rate, none for a company with
    none: it cannot see its rivals'). Demand grows as the scenario forecasts; the share of it that
    buys stays last quarter's (a prudent forecaster counts on no customer coming back as the
    price falls, and on no price above today's)."""
    spec, rules = v.scenario, v.scenario.rules
    left = max(0, v.quarters_total - v.quarter)
    me = v.me
    own = spec.companies.get(me.id)
    headroom = 1 + spec.demand.internal_headroom_fraction
    hyperscalers = sum(r.capacity_h100e for r in v.rivals if r.alive and r.archetype == "hyperscaler") + (me.capacity_h100e if me.internal_demand_h100e > 0 else 0.0)
    compute = v.last_public.markets.get("compute", {}) if v.last_public is not None else {}
    if compute:
        training = compute.get("training", {})
        demand = compute.get("inference_demand_h100e", 0.0) + training.get("demand_h100e", 0.0)
        # what would buy at the going price, and what was offered for it
        wanted = compute.get("spot_sold_h100e", 0.0) + compute.get("unmet_h100e", 0.0) + training.get("demand_h100e", 0.0) - training.get("priced_out_h100e", 0.0)
        offered = compute.get("offered_h100e", 0.0) + compute.get("training_offered_h100e", 0.0)
        internal = compute.get("internal", {}).get("demand_h100e", 0.0)
    elif me.internal_demand_h100e > 0 and me.capacity_h100e > 0:
        # before any market has cleared, a hyperscaler reckons it from what is public: inference
        # customers buy as the choice model keeps them at today's price, their worth (the outside
        # option alone), and every company offers what in-house demand leaves, rivals keeping the
        # same share of their capacity for it as it does
        segments = spec.demand.segments.values()
        total_share = sum(x.share_of_inference for x in segments)
        kept = sum(x.share_of_inference / (1 + math.exp(x.outside_option)) for x in segments) / total_share if total_share > 0 else 1.0
        demand = v.demand_h100e * v.inference_share
        wanted = demand * kept
        used = min(1.0, me.internal_demand_h100e * headroom / me.capacity_h100e)  # share of capacity in-house demand takes
        internal = hyperscalers * used / headroom
        offered = me.capacity_h100e + sum(r.capacity_h100e for r in v.rivals if r.alive) - hyperscalers * used
    else:
        demand = offered = 0.0
    if demand <= 0 or offered <= 0 or v.price_index <= 0:
        return (1.0,) * (left + 1)  # nothing to read: today's price
    spare = max(0.0, hyperscalers - internal * headroom)  # in-house growth takes up no more than this
    internal_growth = own.internal_demand_growth_per_quarter if own is not None and me.internal_demand_h100e > 0 else 0.0
    pipeline_mw = sum(r.pipeline_mw for r in v.rivals if r.alive) + sum(s.mw for s in me.sites if s.stage != "online")
    per_quarter_h100e = pipeline_mw * m.filled[m.usual][0] / PIPELINE_QUARTERS
    cap = rules.price_index_excess_cap
    index, grown, added, path = v.price_index, 1.0, 0.0, [1.0]
    for k in range(left):
        grown *= 1 + spec.demand.growth_per_quarter(v.quarter + k, v.quarters_total)
        added += per_quarter_h100e if k < PIPELINE_QUARTERS else 0.0
        absorbed = min(spare, internal * ((1 + internal_growth) ** (k + 1) - 1) * headroom)
        excess = (wanted * grown - (offered + added - absorbed)) / (demand * grown)
        index = max(rules.price_index_floor_usd_per_h100e_hour, index * math.exp(rules.price_index_sensitivity * min(cap, max(-cap, excess))))
        path.append(min(1.0, index / v.price_index))
    return tuple(path)
