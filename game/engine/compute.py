"""Compute markets: contracts served, training RFPs awarded, internal demand met, inference spot cleared.

The rules are written out in docs/rules.md, section "Compute market"; the names here follow it.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..model import orders as o
from ..model.state import Company, Contract, Rfp
from .clearing import clear_choice_market
from .core import GameCore
from .operate import outage_fraction
from .demand import customer_value, inference_share
from .validate import OrderBook

ANY_GENERATION = -(10**6)  # a min_release every generation meets


class FleetFigures:
    """What a company's fleet can serve under a quarter's outages, by region, before anything is
    taken: the same from quarter to quarter while the fleet and its outage factors stay the same,
    so it is kept until one of them changes."""

    def __init__(self, groups: dict, factors: list[float]):
        total: dict[str, float] = {}  # usable H100e by region
        eco_sum: dict[str, float] = {}
        installed = 0.0
        for (region, _, _, _), (_, h, eco, _), k in zip(groups, groups.values(), factors):
            installed += h
            total[region] = total.get(region, 0.0) + h * k
            eco_sum[region] = eco_sum.get(region, 0.0) + eco * k
        self.groups, self.factors = groups, factors
        self.total = total
        self.eco = {rid: eco_sum[rid] / t if t > 0 else 1.0 for rid, t in total.items()}
        self.installed = installed
        self.usable = sum(total.values())
        # usable H100e by release quarter, worked out when first asked: only work that names the
        # generations it accepts asks (in a baseline game a quarter of the figures built never are)
        self._by_release: dict[int, float] | None = None
        self._usable_from: dict[int, float] = {}  # kept with the figures: asked many times a quarter

    def usable_from(self, min_release: int) -> float:
        """Usable H100e of generations released at or after min_release."""
        x = self._usable_from.get(min_release)
        if x is None:
            if self._by_release is None:
                self._by_release = {}
                for (_, _, _, releases), k in zip(self.groups.values(), self.factors):
                    for rel, h in releases.items():
                        self._by_release[rel] = self._by_release.get(rel, 0.0) + h * k
            x = self._usable_from[min_release] = sum(x for rel, x in self._by_release.items() if rel >= min_release)
        return x


def _fleet_figures(g: GameCore) -> dict[str, FleetFigures]:
    return {}  # company id -> its FleetFigures, replaced when its fleet or outage factors change


class Capacity:
    """A company's usable H100e this quarter: what each piece of work has taken (by region, and by
    the oldest generation it accepts) and how much of it is busy."""

    def __init__(self, g: GameCore, c: Company, up: dict[tuple[str, str], float]):
        """`up` holds the fraction of a (region, cooling) fleet not out this quarter, the same for
        every company: filled as regions and coolings turn up."""
        groups, self.largest_site_mw = g.fleet(c)
        factors = []  # usable share of each group's H100e
        for region, cooling, _, _ in groups:
            f = up.get((region, cooling))
            if f is None:
                f = up[region, cooling] = 1.0 - outage_fraction(g, region, cooling)
            factors.append(f)
        kept = g.cache("fleet_figures", _fleet_figures)
        fig = kept.get(c.id)
        if fig is None or fig.groups is not groups or fig.factors != factors:
            fig = kept[c.id] = FleetFigures(groups, factors)
        self.fig = fig
        self.total, self.eco, self.installed, self.usable = fig.total, fig.eco, fig.installed, fig.usable
        self.taken: dict[str, float] = defaultdict(float)  # by region
        self.taken_total = 0.0
        self.taken_by_min_release: dict[int, float] = defaultdict(float)
        self.busy = 0.0  # H100e at work on average over the quarter

    @property
    def free(self) -> float:
        return self.usable - self.taken_total

    def free_for(self, min_release: int) -> float:
        """What work needing generations released at or after min_release can still get.

        Work taken so far is placed on the oldest chips it accepts, so new work can have the
        chips it needs if and only if, for every release threshold t up to min_release, the
        chips of generations from t on cover the work that needs generations from t on plus
        the new work (Hall's condition for nested sets). The answer is the tightest of those."""
        if min_release == ANY_GENERATION:  # the one threshold: everything usable, less everything taken
            return max(0.0, self.usable - self.taken_total)
        thresholds = {min_release, ANY_GENERATION} | {r for r in self.taken_by_min_release if r < min_release}
        room = []
        for t in thresholds:
            needs = sum(x for r, x in self.taken_by_min_release.items() if r >= t)
            room.append(self.fig.usable_from(t) - needs)
        return max(0.0, min(room))

    def take(self, amount: float, order: list[str], min_release: int = ANY_GENERATION, busy: bool = True) -> float:
        """Take up to `amount` from regions in the given order; returns what was taken."""
        got = 0.0
        for rid in order:
            if got >= amount - 1e-9:
                break
            room = self.total.get(rid, 0.0) - self.taken[rid]
            if room > 0:
                x = min(room, amount - got)
                self.taken[rid] += x
                got += x
        self._book(got, min_release, busy)
        return got

    def _book(self, amount: float, min_release: int, busy: bool) -> None:
        self.taken_total += amount
        self.taken_by_min_release[min_release] += amount
        if busy:
            self.busy += amount


def _remote_first(g: GameCore) -> list[str]:
    regions = g.spec.regions
    return sorted(regions, key=lambda r: (-regions[r].latency_tier, r))


def _nearest_first(g: GameCore) -> list[str]:
    regions = g.spec.regions
    return sorted(regions, key=lambda r: (regions[r].latency_tier, r))


def _musd(h100e: float, price: float, hours: float) -> float:
    return h100e * price * hours / 1e6


def cost_of_serving(g: GameCore) -> float:
    """$ per H100e-hour of serving with the cheapest new capacity on sale this quarter: a
    generation in production, in the cooling that hosts it most cheaply, its chips and facility
    (equipment and the crews that build it, at the regions' mean reserve wage) written off
    straight-line over their lives, plus power at the regions' mean price and site operations.
    The spot price never clears below it."""
    spec, w, rules = g.spec, g.world, g.spec.rules
    hours = rules.hours_per_quarter
    n = len(spec.regions)
    power_price = sum(w.regions[rid].power_price_usd_per_mwh * g.mod("power_price_multiplier", rid) for rid in spec.regions) / n
    escalation = (1 + rules.facility_capex_escalation_per_quarter) ** g.q
    labour_musd_per_grid_mw = sum(w.regions[rid].wage_reserve_musd for rid in spec.regions) / n / rules.construction_mw_per_crew_quarter
    costs = []
    for gid, gen in spec.generations.items():
        if not g.in_production(gid) or spec.vendors[gen.vendor].custom:
            continue  # custom silicon is not on sale
        it_mw = gen.power_kw / gen.performance_h100e / 1000  # per H100e
        chips = w.generations[gid].list_price_musd * 1e6 / gen.performance_h100e / (gen.depreciation_quarters * hours)
        operations = it_mw * rules.opex_musd_per_it_mw_quarter * 1e6 / hours
        for cooling in spec.cooling.values():
            if gen.liquid_only and not cooling.hosts_liquid_only:
                continue
            # capex is per MW of IT load; crews build grid MW, a PUE's worth of them per IT MW
            facility = it_mw * (cooling.capex_musd_per_it_mw * escalation + labour_musd_per_grid_mw * cooling.pue) * 1e6 / (rules.facility_depreciation_quarters * hours)
            power = it_mw * cooling.pue * power_price
            costs.append(chips + facility + power + operations)
    return float(min(costs)) if costs else rules.price_index_floor_usd_per_h100e_hour


def compute_markets(g: GameCore, book: OrderBook) -> None:
    w = g.world
    alive = g.alive()
    up: dict[tuple[str, str], float] = {}
    caps = {c.id: Capacity(g, c, up) for c in alive}
    for c in alive:
        c.contracted_h100e_quarter = 0.0
    delivered: dict[str, float] = defaultdict(float)  # H100e sub-contractors delivered, by customer
    training_paid = _serve_contracts(g, caps, delivered)
    training = _award_rfps(g, book, caps, delivered)
    internal = _serve_internal_demand(g, caps, delivered)
    cost = cost_of_serving(g)
    spot = _spot_market(g, book, caps, cost)
    _move_price_index(g, spot, training, cost)
    for c in alive:
        c.capacity_h100e = caps[c.id].installed
        c.used_h100e = caps[c.id].busy
    g.public.markets["compute"] = {
        "price_index_next": w.price_index,
        "clearing_price_usd_per_h100e_hour": spot["price"],
        "cost_of_serving_usd_per_h100e_hour": cost,
        "customer_value_usd_per_h100e_hour": customer_value(g),
        # inference spot: demand = served + priced out + unmet
        "inference_demand_h100e": spot["demand"],
        "served_h100e": spot["sold"],
        "spot_sold_h100e": spot["sold"],
        "priced_out_h100e": spot["priced_out"],
        "unmet_h100e": spot["unmet"],
        "offered_h100e": spot["offered"],
        "idle_offered_h100e": spot["idle"],
        # training RFPs: demand = served + priced out + unmet
        "training": {k: training[k] for k in ("demand_h100e", "served_h100e", "priced_out_h100e", "unmet_h100e")},
        "training_offered_h100e": training["demand_h100e"],
        "training_awarded_h100e": training["served_h100e"],
        "inference_spend_musd": spot["spend"],
        "training_spend_musd": training_paid + training["paid"],
        "internal": internal,
        "rfps": training["results"],
        "spot_by_region": spot["by_region"],
    }
    # new sub-contract RFPs go out for next quarter; this quarter's RFPs are closed
    w.rfps = []
    for cid, x in book.of(o.Subcontract):
        r = Rfp(w.new_id("R"), cid, float(x.h100e), int(x.quarters), 0.0, ANY_GENERATION, float(x.max_price_usd_per_h100e_hour))
        w.rfps.append(r)
        g.say(cid, "Sub-contract RFP {} for {:,.0f} H100e published for next quarter", r.id, x.h100e)


def _deliver(g: GameCore, c: Company, cap: Capacity, k: Contract, delivered: dict[str, float]) -> float:
    """One quarter of a contract: take its H100e, pay for what was delivered, less a penalty on
    what was not. Returns what the customer paid (before the penalty)."""
    hours = g.spec.rules.hours_per_quarter
    got = cap.take(min(k.h100e, cap.free_for(k.min_release)), g.cache("remote_first", _remote_first), k.min_release)
    c.contracted_h100e_quarter += k.h100e
    pay = _musd(got, k.price_usd_per_h100e_hour, hours)
    short = k.h100e - got
    penalty = _musd(short, k.price_usd_per_h100e_hour, hours) * g.spec.rules.contract_shortfall_penalty
    _settle_contract(g, c, k, pay, penalty)
    if short > 1e-6:
        g.say(c.id, "Contract {}: delivered {:,.0f} of {:,.0f} H100e; shortfall penalty ${:,.1f}M", k.id, got, k.h100e, penalty)
    if k.customer != "market":
        delivered[k.customer] += got
    k.quarters_left -= 1
    return pay - penalty


def _serve_contracts(g: GameCore, caps: dict[str, Capacity], delivered: dict[str, float]) -> float:
    """Running contracts take capacity first (latency-insensitive work goes to the remotest
    regions, keeping the best for inference); what is short pays a penalty. Returns what the
    market's training customers paid."""
    paid = 0.0
    for c in g.alive():
        for k in c.contracts:
            net = _deliver(g, c, caps[c.id], k, delivered)
            if k.customer == "market":
                paid += net
        c.contracts = [k for k in c.contracts if k.quarters_left > 0]
    return paid


def _award_rfps(g: GameCore, book: OrderBook, caps: dict[str, Capacity], delivered: dict[str, float]) -> dict:
    """Training and sub-contract RFPs: the lowest qualified bid wins and is paid as bid.

    A bidder qualifies with a site of the RFP's size online and the H100e free. Generations
    older than the RFP asks for qualify at a discount: the share of the RFP they fill is paid
    (1 − older_generation_discount) of the bid. Unawarded market volume is unmet if some company
    could have served it (site and free H100e of any generation), else priced out."""
    w = g.world
    discount = g.spec.demand.training.older_generation_discount
    bids_by_rfp: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for cid, x in book.of(o.BidRfp):
        bids_by_rfp[x.rfp].append((cid, float(x.price_usd_per_h100e_hour)))
    out = {"demand_h100e": 0.0, "served_h100e": 0.0, "priced_out_h100e": 0.0, "unmet_h100e": 0.0, "paid": 0.0, "results": []}

    def could_serve(cid: str, r: Rfp) -> bool:
        cap = caps[cid]
        return cap.largest_site_mw >= r.min_site_mw and cap.free_for(ANY_GENERATION) >= r.h100e

    for r in w.rfps:
        bids = [(cid, p) for cid, p in bids_by_rfp.get(r.id, []) if cid in caps]
        # cheapest first, equal prices in the order of a seeded draw
        prices = [p for _, p in bids]
        ranked = [bids[i] for _, _, i in sorted(zip(prices, g.tie_keys("ties.rfp", r.id).keys(prices), range(len(bids))))]
        market = r.customer == "market"
        if market:
            out["demand_h100e"] += r.h100e
        winner = None
        for cid, price in ranked:
            if caps[cid].largest_site_mw < r.min_site_mw:
                g.say(cid, "RFP {}: needs a site of at least {:,.0f} MW online; you do not qualify", r.id, r.min_site_mw)
            elif not could_serve(cid, r):
                g.say(cid, "RFP {}: needs {:,.0f} H100e free; you do not qualify", r.id, r.h100e)
            else:
                winner = (cid, price)
                break
        if winner is None:
            out["results"].append({"rfp": r.id, "customer": r.customer, "h100e": r.h100e, "winner": None, "price": None})
            if market:
                servable = any(could_serve(cid, r) for cid in caps)
                out["unmet_h100e" if servable else "priced_out_h100e"] += r.h100e
            else:
                g.say(r.customer, "Your sub-contract RFP {} found no qualified bidder", r.id)
            continue
        cid, bid = winner
        cap = caps[cid]
        current = min(r.h100e, cap.free_for(r.min_release))
        older = r.h100e - current
        price = bid * (1 - discount * older / r.h100e) if r.h100e > 0 else bid  # a 0 H100e tender fills with nothing older
        k = Contract(
            w.new_id("K"),
            cid,
            r.customer,
            r.h100e,
            price,
            r.quarters,
            r.min_release if older <= 1e-9 else ANY_GENERATION,
            "training" if market else "subcontract",
        )
        net = _deliver(g, w.companies[cid], cap, k, delivered)
        if k.quarters_left > 0:
            w.companies[cid].contracts.append(k)
        if market:
            out["served_h100e"] += r.h100e
            out["paid"] += net
        if older > 1e-9:
            g.say(cid, "Won RFP {}: {:,.0f} H100e ({:,.0f} on older generations) for {} quarters at ${:.2f}/H100e-hour (bid ${:.2f})", r.id, r.h100e, older, r.quarters, price, bid)
        else:
            g.say(cid, "Won RFP {}: {:,.0f} H100e for {} quarters at ${:.2f}/H100e-hour", r.id, r.h100e, r.quarters, price)
        for other, p in ranked:
            if other != cid:
                why = "a lower bid won" if p > bid else "tied with the winner and lost the seeded draw" if p == bid else "you did not qualify"
                g.say(other, "Lost RFP {} (your bid ${:.2f}); won at ${:.2f}: {}", r.id, p, bid, why)
        out["results"].append({"rfp": r.id, "customer": r.customer, "h100e": r.h100e, "winner": cid, "price": price})
    return out


def _serve_internal_demand(g: GameCore, caps: dict[str, Capacity], delivered: dict[str, float]) -> dict:
    """Hyperscalers' internal demand: what sub-contractors delivered, then their own capacity,
    valued at the price index × the company's internal value multiple. Each H100e of it served
    from own capacity holds internal_headroom_fraction of an H100e back for its products' peaks:
    taken, not busy."""
    spec = g.spec
    hours = spec.rules.hours_per_quarter
    headroom_fraction = spec.demand.internal_headroom_fraction
    nearest_first = g.cache("nearest_first", _nearest_first)
    totals = {"demand_h100e": 0.0, "served_h100e": 0.0, "subcontracted_h100e": 0.0}
    for c in g.alive():
        if c.internal_demand_h100e <= 0:
            continue
        want = c.internal_demand_h100e * g.mod("demand_multiplier")
        sub = min(want, delivered.get(c.id, 0.0))
        cap = caps[c.id]
        # elastic work: every H100e of it served from own capacity holds headroom beside it
        own = cap.take(min(want - sub, cap.free / (1 + headroom_fraction)), nearest_first)
        cap.take(own * headroom_fraction, nearest_first, busy=False)
        served = own + sub
        value = _musd(served, g.world.price_index * spec.companies[c.id].internal_value_multiple, hours)
        g.post(c, "revenue_internal", value, "internal AI demand served")
        if want - served > 1e-6:
            g.say(c.id, "Internal demand: served {:,.0f} of {:,.0f} H100e; {:,.0f} unserved (sub-contract it or build)", served, want, want - served)
        totals["demand_h100e"] += want
        totals["served_h100e"] += served
        totals["subcontracted_h100e"] += sub
    return totals


def _move_price_index(g: GameCore, spot: dict, training: dict, cost: float) -> None:
    """Next quarter's reference price: the going price of the capacity offered this quarter (an
    offer that sold out at its clearing price, one with room left at its ask), lifted by unmet
    demand and lowered by idle offers (as a share of demand, capped), and never below the cost
    of serving."""
    w, rules = g.world, g.spec.rules
    demand = spot["demand"] + training["demand_h100e"]
    unmet = spot["unmet"] + training["unmet_h100e"]
    cap = rules.price_index_excess_cap
    excess = min(cap, max(-cap, (unmet - spot["idle"]) / demand)) if demand > 0 else 0.0
    index = spot["offer_price"] * float(np.exp(rules.price_index_sensitivity * excess))
    floor = max(cost, rules.price_index_floor_usd_per_h100e_hour)
    w.price_index = float(min(rules.price_index_ceiling_usd_per_h100e_hour, max(floor, index)))
    w.last_unmet_h100e = unmet


def _settle_contract(g: GameCore, supplier: Company, k: Contract, pay: float, penalty: float) -> None:
    net = pay - penalty
    g.post(supplier, "revenue_contract", net, f"contract {k.id}")
    if k.customer != "market":
        customer = g.world.companies[k.customer]
        g.post(customer, "subcontract_cost", -net, f"sub-contract {k.id} with {supplier.name}")


class Cells:
    """The inference demand cells (segment × home region) and their fixed weights, as arrays."""

    def __init__(self, g: GameCore):
        spec = g.spec
        self.region_ids = list(spec.regions)
        self.region_index = {rid: i for i, rid in enumerate(self.region_ids)}
        self.region_tier = np.array([spec.regions[r].latency_tier for r in self.region_ids], dtype=float)
        homes = [rid for rid, r in spec.regions.items() if r.inference_demand_weight > 0]
        weight_sum = sum(spec.regions[r].inference_demand_weight for r in homes)
        cells = [(seg, rid) for seg in spec.demand.segments.values() for rid in homes]
        self.share = np.array([seg.share_of_inference * spec.regions[rid].inference_demand_weight / weight_sum for seg, rid in cells])

        def col(f) -> np.ndarray:
            return np.array([f(seg) for seg, _ in cells], dtype=float)

        self.price_weight = col(lambda x: x.price_weight)
        self.ew = col(lambda x: x.ecosystem_weight)[:, None]
        self.rw = col(lambda x: x.reliability_weight)[:, None]
        self.outside = col(lambda x: x.outside_option)
        # the utility terms and the reach that depend only on an offer's region, per cell × region:
        # the home-region bonus less the latency's toll
        home = np.array([self.region_index[rid] for _, rid in cells])[:, None]
        latency = col(lambda x: x.latency_weight)[:, None] * (self.region_tier - 1.0)
        home_bonus = col(lambda x: x.home_region_bonus)[:, None] * (np.arange(len(self.region_ids)) == home)
        self.placement = -latency + home_bonus
        self.reachable = self.region_tier <= col(lambda x: x.max_latency_tier)[:, None]


def _spot_market(g: GameCore, book: OrderBook, caps: dict[str, Capacity], cost: float) -> dict:
    """Inference spot: every company offers what it has free in each region (on demand, so an
    offered H100e is busy spot_load_factor of the time on average), at its ask or, with no
    offer order, at the quarter's price index (the going rate). Each offer gets its own price."""
    spec = g.spec
    hours = spec.rules.hours_per_quarter
    load = spec.demand.spot_load_factor
    cells = g.cache("cells", Cells)
    asks_given = {(cid, x.region): float(x.price_usd_per_h100e_hour) for cid, x in book.of(o.OfferCompute)}
    # a company that names no price sells at the going rate, not at any price: a beginner who has
    # not yet learnt to offer does not dump its capacity at cost and crash the index for everyone
    going = g.world.price_index
    offers = []  # (company, region, H100e it can serve on average)
    asks, eco_gap, rel_gap, premium, regions = [], [], [], [], []
    for c in g.alive():
        cap = caps[c.id]
        a = spec.archetypes[c.archetype]
        for rid, t in cap.total.items():
            free = t - cap.taken[rid]
            if free > 1e-6:
                offers.append((c, rid, free * load))
                asks.append(asks_given.get((c.id, rid), going))
                eco_gap.append(cap.eco.get(rid, 1.0) - 1.0)
                rel_gap.append(a.reliability - 1.0)
                premium.append(a.enterprise_premium)
                regions.append(cells.region_index[rid])
    demand = cells.share * g.world.demand_h100e * g.mod("demand_multiplier") * inference_share(g)
    ridx = np.array(regions, dtype=int)
    utilities = cells.placement[:, ridx] + cells.ew * np.array(eco_gap) + cells.rw * np.array(rel_gap) + np.array(premium)
    capacity = np.array([serve for *_, serve in offers])
    rules = spec.rules
    result = clear_choice_market(
        demand,
        utilities,
        cells.outside,
        cells.price_weight,
        cells.reachable[:, ridx],
        capacity,
        np.array(asks),
        customer_value(g),
        max(cost, rules.price_index_floor_usd_per_h100e_hour),
        rules.price_index_ceiling_usd_per_h100e_hour,
        reference=np.full(len(offers), going),
    )
    # what each company's offers would have earned at the going rate: the score's passive benchmark
    for c in g.alive():
        c.going_rate_spot_musd = 0.0
    for (c, _rid, _serve), q, price in zip(offers, result.reference_sold.tolist(), result.reference_prices.tolist()):
        c.going_rate_spot_musd += _musd(q, price, hours)
    by_region = {rid: {"sold_h100e": 0.0, "offered_h100e": 0.0, "spend_musd": 0.0} for rid in spec.regions}
    mine: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for (c, rid, serve), q, price in zip(offers, result.sold.tolist(), result.prices.tolist()):
        musd = _musd(q, price, hours)
        if q > 1e-9:
            # on-demand capacity sold is held for its customers' peaks, busy only load of the time;
            # the spot market takes capacity last, so what it holds is left untallied
            caps[c.id].busy += q
            g.post(c, "revenue_spot", musd, f"inference in {rid}")
        by_region[rid]["sold_h100e"] += q
        by_region[rid]["offered_h100e"] += serve
        by_region[rid]["spend_musd"] += musd
        m = mine[c.id]
        m[0] += q
        m[1] += serve
        m[2] += musd
    for cid, (q, f, musd) in mine.items():
        g.say(cid, "Inference spot: sold {:,.0f} of {:,.0f} H100e offered ({:.0%}), ${:,.0f}M", q, f, q / f, musd)
    for r in by_region.values():
        r["price_usd_per_h100e_hour"] = r["spend_musd"] * 1e6 / (r["sold_h100e"] * hours) if r["sold_h100e"] > 0 else None
    sold = float(result.sold.sum())
    offered = float(capacity.sum())
    return {
        "price": result.mean_price,
        # the going price of capacity on offer: what sold at its clearing price, what has room left at its ask
        "offer_price": float(result.prices @ capacity) / offered if offered > 0 else result.mean_price,
        "demand": result.demand,
        "sold": sold,
        "priced_out": result.priced_out,
        "unmet": result.unmet,
        "offered": offered,
        "idle": offered - sold,
        "spend": sum(r["spend_musd"] for r in by_region.values()),
        "by_region": by_region,
    }
