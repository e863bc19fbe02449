"""Compute markets: contracts served, training RFPs awarded, internal demand met, inference spot by choice model."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from ..model import orders as o
from ..model.state import Company, Contract, Rfp
from .clearing import allocate_demand
from .core import GameCore
from .validate import OrderBook
from .news import inference_share

_NO_MIN = -(10**6)


class FleetFigures:
    """What a company's fleet can sell under a quarter's outages, by region, before anything is
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
        self._by_release: dict[int, float] | None = None
        self.older: dict[int, float] = {}  # usable H100e released before a quarter

    @property
    def by_release(self) -> dict[int, float]:
        """Usable H100e by release quarter (summed when first asked for: not every company needs it)."""
        if self._by_release is None:
            by_release: dict[int, float] = {}
            for (_, _, _, releases), k in zip(self.groups.values(), self.factors):
                for rel, x in releases.items():
                    by_release[rel] = by_release.get(rel, 0.0) + x * k
            self._by_release = by_release
        return self._by_release


def _fleet_figures(g: GameCore) -> dict[str, FleetFigures]:
    return {}  # company id -> its FleetFigures, replaced when its fleet or outage factors change


class Capacity:
    """A company's usable H100e this quarter, by region, with what has been taken so far."""

    def __init__(self, g: GameCore, c: Company, up: dict[tuple[str, str], float]):
        """`up` holds the fraction of a (region, cooling) fleet not out this quarter, the same for
        every company: filled as regions and coolings turn up."""
        spec = g.spec
        sell = spec.archetypes[c.archetype].sellable_fraction
        groups, self.largest_site_mw = g.fleet(c)
        factors = []  # usable share of each group's H100e
        for region, cooling, _, _ in groups:
            f = up.get((region, cooling))
            if f is None:
                outage = g.mod("outage_fraction", region, 0.0) + spec.cooling[cooling].outage_fraction
                f = up[region, cooling] = 1.0 - min(1.0, outage)
            factors.append(f * sell)
        kept = g.cache("fleet_figures", _fleet_figures)
        fig = kept.get(c.id)
        if fig is None or fig.groups is not groups or fig.factors != factors:
            fig = kept[c.id] = FleetFigures(groups, factors)
        self.fig = fig
        self.total, self.eco, self.installed, self.usable = fig.total, fig.eco, fig.installed, fig.usable
        self.used: dict[str, float] = {}
        self.used_total = 0.0

    def free_for(self, min_release: int) -> float:
        """What work needing generations released at or after min_release can still get: what is
        free, at most the free capacity of those generations (older chips are used first)."""
        fig = self.fig
        older = fig.older.get(min_release)
        if older is None:
            older = fig.older[min_release] = sum([u for rel, u in fig.by_release.items() if rel < min_release])
        qualifying = max(0.0, self.usable - older - max(0.0, self.used_total - older))
        return min(self.usable - self.used_total, qualifying)

    def take(self, amount: float, order: list[str]) -> float:
        """Take up to `amount` from regions in the given order; returns what was taken."""
        got = 0.0
        total, used = self.total, self.used
        for rid in order:
            t = total.get(rid)
            if t is None:
                continue
            u = used.get(rid, 0.0)
            f = t - u
            if f <= 0:
                continue
            x = min(f, amount - got)
            used[rid] = u + x
            got += x
            if got >= amount - 1e-9:
                break
        self.used_total += got
        return got

    def take_in(self, rid: str, amount: float) -> float:
        """take(amount, [rid]), without the list."""
        u = self.used.get(rid, 0.0)
        f = self.total.get(rid, 0.0) - u
        if f <= 0:
            return 0.0
        x = min(f, amount)
        self.used[rid] = u + x
        self.used_total += x
        return x


def _remote_first(g: GameCore) -> list[str]:
    regions = g.spec.regions
    return sorted(regions, key=lambda r: (-regions[r].latency_tier, r))


def _nearest_first(g: GameCore) -> list[str]:
    regions = g.spec.regions
    return sorted(regions, key=lambda r: (regions[r].latency_tier, r))


def _hours(g: GameCore) -> float:
    return g.spec.rules.hours_per_quarter


def _musd(h100e: float, price: float, hours: float) -> float:
    return h100e * price * hours / 1e6


def compute_markets(g: GameCore, book: OrderBook) -> None:
    w = g.world
    alive = g.alive()
    up: dict[tuple[str, str], float] = {}
    caps = {c.id: Capacity(g, c, up) for c in alive}
    _serve_contracts(g, caps)
    offered, awarded, rfp_results = _award_rfps(g, book, caps)
    _serve_internal_demand(g, caps)
    spot = _spot_market(g, book, caps)
    unmet = spot["unmet"] + (offered - awarded)
    idle = spot["idle"]
    _move_price_index(g, unmet, idle, spot["demand"] + offered)
    for c in alive:
        c.capacity_h100e = caps[c.id].installed
        c.used_h100e = caps[c.id].used_total
    g.public.markets["compute"] = {
        "price_index_next": w.price_index,
        "inference_demand_h100e": spot["demand"],
        "spot_sold_h100e": spot["sold"],
        "unmet_h100e": unmet,
        "idle_offered_h100e": idle,
        "training_offered_h100e": offered,
        "training_awarded_h100e": awarded,
        "rfps": rfp_results,
        "spot_by_region": spot["by_region"],
    }
    # new sub-contract RFPs go out for next quarter; this quarter's RFPs are closed
    w.rfps = []
    for cid, x in book.of(o.Subcontract):
        r = Rfp(w.new_id("R"), cid, float(x.h100e), int(x.quarters), 0.0, _NO_MIN, float(x.max_price_usd_per_h100e_hour))
        w.rfps.append(r)
        g.say(cid, "Sub-contract RFP {} for {:,.0f} H100e published for next quarter", r.id, x.h100e)


def _serve_contracts(g: GameCore, caps: dict[str, Capacity]) -> None:
    """Running contracts take capacity first; what is short pays a penalty."""
    hours = _hours(g)
    penalty_rate = g.spec.rules.contract_shortfall_penalty
    # latency-insensitive work goes to the remotest regions first, keeping the best for inference
    remote_first = g.cache("remote_first", _remote_first)
    for c in g.alive():
        cap = caps[c.id]
        for k in c.contracts:
            avail = cap.free_for(k.min_release)
            got = cap.take(min(k.h100e, avail), remote_first)
            pay = _musd(got, k.price_usd_per_h100e_hour, hours)
            short = k.h100e - got
            penalty = _musd(short, k.price_usd_per_h100e_hour, hours) * penalty_rate
            _settle_contract(g, c, k, pay, penalty)
            if short > 1e-6:
                g.say(c.id, "Contract {}: delivered {:,.0f} of {:,.0f} H100e; shortfall penalty ${:,.1f}M", k.id, got, k.h100e, penalty)
            k.quarters_left -= 1
        if c.contracts:
            c.contracts = [k for k in c.contracts if k.quarters_left > 0]


def _award_rfps(g: GameCore, book: OrderBook, caps: dict[str, Capacity]) -> tuple[float, float, list[dict]]:
    """Training and sub-contract RFPs: the lowest qualified bid wins and is paid as bid.
    Returns the market's H100e offered and awarded, and each RFP's outcome."""
    w = g.world
    hours = _hours(g)
    remote_first = g.cache("remote_first", _remote_first)
    bids_by_rfp: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for cid, x in book.of(o.BidRfp):
        bids_by_rfp[x.rfp].append((cid, float(x.price_usd_per_h100e_hour)))
    offered = awarded = 0.0
    rfp_results = []
    for r in w.rfps:
        bids = bids_by_rfp.get(r.id, [])
        # cheapest first, equal prices in the order of a seeded draw (none is drawn for no bids)
        keys = g.draws("ties.rfp", r.id).random(len(bids)).tolist() if bids else []
        ranked = [bids[i] for _, _, i in sorted(zip([p for _, p in bids], keys, range(len(bids))))]
        if r.customer == "market":
            offered += r.h100e
        winner = None
        for cid, price in ranked:
            cap = caps.get(cid)
            if cap is None:
                continue
            if cap.largest_site_mw < r.min_site_mw:
                g.say(cid, "RFP {}: needs a site of at least {:,.0f} MW online; you do not qualify", r.id, r.min_site_mw)
                continue
            if cap.free_for(r.min_release) < r.h100e:
                g.say(cid, "RFP {}: needs {:,.0f} H100e of current generations free; you do not qualify", r.id, r.h100e)
                continue
            winner = (cid, price)
            break
        if winner is None:
            rfp_results.append({"rfp": r.id, "customer": r.customer, "h100e": r.h100e, "winner": None, "price": None})
            if r.customer != "market":
                g.say(r.customer, "Your sub-contract RFP {} found no qualified bidder", r.id)
            continue
        cid, price = winner
        c = w.companies[cid]
        cap = caps[cid]
        k = Contract(w.new_id("K"), cid, r.customer, r.h100e, price, r.quarters, r.min_release, "training" if r.customer == "market" else "subcontract")
        got = cap.take(r.h100e, remote_first)
        _settle_contract(g, c, k, _musd(got, price, hours), 0.0)
        k.quarters_left -= 1
        if k.quarters_left > 0:
            c.contracts.append(k)
        if r.customer == "market":
            awarded += r.h100e
        g.say(cid, "Won RFP {}: {:,.0f} H100e for {} quarters at ${:.2f}/H100e-hour", r.id, r.h100e, r.quarters, price)
        for other, p in ranked:
            if other != cid:
                g.say(other, "Lost RFP {} (your bid ${:.2f}); won at ${:.2f}", r.id, p, price)
        rfp_results.append({"rfp": r.id, "customer": r.customer, "h100e": r.h100e, "winner": cid, "price": price})
    return offered, awarded, rfp_results


def _serve_internal_demand(g: GameCore, caps: dict[str, Capacity]) -> None:
    """Hyperscalers' internal demand, served by their sub-contracts and then their own capacity."""
    spec = g.spec
    hours = _hours(g)
    alive = g.alive()
    internal_value = g.world.price_index
    subcontracted: dict[str, float] = {}  # H100e each customer has under sub-contract, summed in company order
    for x in alive:
        for k in x.contracts:
            if k.customer != "market":
                subcontracted[k.customer] = subcontracted.get(k.customer, 0) + k.h100e
    nearest_first = g.cache("nearest_first", _nearest_first)
    for c in alive:
        if c.internal_demand_h100e <= 0:
            continue
        cs = spec.companies[c.id]
        want = c.internal_demand_h100e * g.mod("demand_multiplier")
        sub = subcontracted.get(c.id, 0)
        own = caps[c.id].take(max(0.0, want - sub), nearest_first)
        served = min(want, own + sub)
        value = _musd(served, internal_value * cs.internal_value_multiple, hours)
        g.post(c, "revenue_internal", value, "internal AI demand served")
        if want - served > 1e-6:
            g.say(c.id, "Internal demand: served {:,.0f} of {:,.0f} H100e; {:,.0f} unserved (sub-contract it or build)", served, want, want - served)


def _move_price_index(g: GameCore, unmet: float, idle: float, demand: float) -> None:
    """The price index moves with unmet demand and idle capacity."""
    w = g.world
    rules = g.spec.rules
    cap = rules.price_index_excess_cap
    ex = max(-cap, min(cap, (unmet - idle) / demand)) if demand > 0 else 0.0
    new_index = w.price_index * (1 + rules.price_index_trend_per_quarter) * math.exp(rules.price_index_sensitivity * ex)
    w.price_index = min(rules.price_index_ceiling_usd_per_h100e_hour, max(rules.price_index_floor_usd_per_h100e_hour, new_index))
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
        col = lambda f: np.array([f(seg) for seg, _ in cells], dtype=float)[:, None]  # noqa: E731
        self.neg_pw = -col(lambda x: x.price_weight)
        self.ew = col(lambda x: x.ecosystem_weight)
        self.rw = col(lambda x: x.reliability_weight)
        self.outside = col(lambda x: x.outside_option)[:, 0]
        # the utility terms and the reach that depend only on an offer's region, per cell × region
        home = np.array([self.region_index[rid] for _, rid in cells])[:, None]
        self.latency = col(lambda x: x.latency_weight) * (self.region_tier - 1.0)
        self.home_bonus = col(lambda x: x.home_region_bonus) * (np.arange(len(self.region_ids)) == home)
        self.reachable = self.region_tier <= col(lambda x: x.max_latency_tier)


def _spot_market(g: GameCore, book: OrderBook, caps: dict[str, Capacity]) -> dict:
    w, spec = g.world, g.spec
    hours = _hours(g)
    index = w.price_index
    cells = g.cache("cells", Cells)
    prices: dict[tuple[str, str], float] = {}
    for cid, x in book.of(o.OfferCompute):
        prices[(cid, x.region)] = float(x.price_usd_per_h100e_hour)
    # customers judge price against the cost-led trend, not the index itself, so a rising index
    # prices some of them out (the outside option) and bounds it
    ref = spec.demand.price_index_initial_usd_per_h100e_hour * (1 + spec.rules.price_index_trend_per_quarter) ** g.q
    offers = []  # (company, its capacity, region, price, H100e offered)
    flat: list[float] = []  # each offer's price, ecosystem and reliability gaps, premium, H100e
    regions: list[int] = []
    region_index = cells.region_index
    for c in g.alive():
        cap = caps[c.id]
        a = spec.archetypes[c.archetype]
        used, eco = cap.used, cap.eco
        for rid, t in cap.total.items():
            f = t - used.get(rid, 0.0)
            if f > 1e-6:
                # no offer given: the capacity is offered at the index (a standing order)
                p = prices.get((c.id, rid), index)
                offers.append((c, cap, rid, p, f))
                flat += (p / ref - 1.0, eco.get(rid, 1.0) - 1.0, a.reliability - 1.0, a.enterprise_premium, f)
                regions.append(region_index[rid])
    total = w.demand_h100e * g.mod("demand_multiplier") * inference_share(g)
    demand = cells.share * total
    demand_total = float(np.add.reduce(demand))  # what ndarray.sum calls, without its Python layer
    by_region = {rid: {"sold_h100e": 0.0, "offered_h100e": 0.0} for rid in spec.regions}
    if not offers:
        return {"demand": demand_total, "sold": 0.0, "unmet": demand_total, "idle": 0.0, "by_region": by_region}
    price_gap, eco_gap, rel_gap, prem, capacity = np.array(flat).reshape(len(offers), 5).T
    ridx = np.array(regions)
    util = (
        cells.neg_pw * price_gap
        - cells.latency[:, ridx]
        + cells.home_bonus[:, ridx]
        + cells.ew * eco_gap
        + cells.rw * rel_gap
        + prem
    )
    mask = cells.reachable[:, ridx]
    sold, unmet, declined = allocate_demand(demand, util, cells.outside, mask, capacity)
    mine: dict[str, list[float]] = {}
    notes = g.cache("spot_notes", _spot_notes)
    for (c, cap, rid, p, f), q in zip(offers, sold.tolist()):
        musd = _musd(q, p, hours)
        if q > 1e-9:
            cap.take_in(rid, q)
            g.post(c, "revenue_spot", musd, notes[rid])
        r = by_region[rid]
        r["sold_h100e"] += q
        r["offered_h100e"] += f
        m = mine.get(c.id)
        if m is None:
            m = mine[c.id] = [0.0, 0.0, 0.0]
        m[0] += q
        m[1] += f
        m[2] += musd
    for cid, (q, f, musd) in mine.items():
        g.say(cid, "Inference spot: sold {:,.0f} of {:,.0f} H100e offered ({:.0%}), ${:,.0f}M", q, f, q / f, musd)
    sold_total = np.add.reduce(sold)
    idle = float(np.add.reduce(capacity) - sold_total)
    return {"demand": demand_total, "sold": float(sold_total), "unmet": unmet, "idle": idle, "declined": declined, "by_region": by_region}


def _spot_notes(g: GameCore) -> dict[str, str]:
    return {rid: f"inference in {rid}" for rid in g.spec.regions}
