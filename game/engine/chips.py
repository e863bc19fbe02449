"""Chip markets: advance-purchase agreements first, then spot auctions of what supply is left."""

from __future__ import annotations

from collections import defaultdict

from ..model import orders as o
from ..model.state import ChipAgreement, ChipCohort, Company, Delivery
from .clearing import Bid, clear_uniform_price, why_lost
from .core import GameCore
from .validate import OrderBook


def vendor_supply(g: GameCore, vid: str) -> float:
    """Accelerators a vendor can ship this quarter: the tighter of packaging and HBM."""
    vs = g.world.vendors[vid]
    return min(vs.packaging_units, vs.hbm_units) * g.mod("supply_multiplier", vid)


def generation_supply(g: GameCore) -> dict[str, int]:
    """Each vendor's output split over its generations in production, by supply weight
    (fixed for the quarter once its news is out, so worked out once)."""

    def work_out() -> dict[str, int]:
        out: dict[str, int] = {}
        for vid, made in g.cache("generations_by_vendor", _generations_by_vendor).items():
            gens = [gid for gid in made if g.in_production(gid)]
            weight = sum([g.spec.generations[gid].supply_weight for gid in gens])
            total = vendor_supply(g, vid)
            for gid in gens:
                out[gid] = int(total * g.spec.generations[gid].supply_weight / weight) if weight > 0 else 0
        return out

    return g.this_quarter("supply", work_out)


def _generations_by_vendor(g: GameCore) -> dict[str, list[str]]:
    return {vid: [gid for gid, gen in g.spec.generations.items() if gen.vendor == vid] for vid in g.spec.vendors}


def _add_cohort(g: GameCore, c: Company, gid: str, units: int, cost: float) -> None:
    dep = cost / g.spec.generations[gid].depreciation_quarters
    q = g.q
    same = None  # this quarter's cohort of the generation: same schedule, one cohort
    # only this function dates cohorts (the rest are undated, -1), appending them as the quarters
    # pass, so this quarter's are the newest dated ones
    for k in reversed(c.cohorts):
        if k.quarter == q:
            if k.generation == gid:
                same = k
                break
        elif k.quarter >= 0:
            break
    if same is None:
        c.cohorts.append(ChipCohort(gid, units, cost, dep, q))
    else:
        same.units += units
        same.book_musd += cost
        same.dep_musd_per_quarter += dep
    c.inventory[gid] = c.inventory.get(gid, 0) + units
    g.world.chips_supplied[gid] = g.world.chips_supplied.get(gid, 0) + units


def asic_programmes(g: GameCore, book: OrderBook) -> None:
    a = g.spec.asic
    for cid, _ in book.of(o.FundAsicProgramme):
        c = g.world.companies[cid]
        g.post(c, "asic_programme", -a.programme_cost_musd_per_quarter, "custom-ASIC R&D")
        c.asic_quarters_funded += 1
        if c.asic_quarters_funded >= a.programme_quarters:
            c.asic_active = True
            g.say(cid, "Your custom ASIC ({}) is ready: order it with bid_chips from next quarter", g.spec.generations[a.generation].name)
            g.world.news.append(f"{c.name} taped out its custom ASIC")
        else:
            g.say(cid, "ASIC programme: {}/{} quarters funded", c.asic_quarters_funded, a.programme_quarters)


def chip_markets(g: GameCore, book: OrderBook) -> None:
    w, spec = g.world, g.spec
    supply = generation_supply(g)
    for vid in spec.vendors:  # recorded by the market, not by whichever view asks first: looking must not change the state
        w.vendors[vid].last_supply_units = vendor_supply(g, vid)
    # 1. new agreements, capped per generation at the vendor's share for agreements
    new_by_gen: dict[str, list[tuple[str, o.SignChipAgreement]]] = defaultdict(list)
    refused: dict[str, int] = defaultdict(int)  # agreement units a quarter asked for that found no room
    for cid, x in book.of(o.SignChipAgreement):
        if x.generation in supply:
            new_by_gen[x.generation].append((cid, x))
    for gid, asks in new_by_gen.items():
        gen = spec.generations[gid]
        vendor = spec.vendors[gen.vendor]
        committed = sum([a.units_per_quarter for c in g.alive() for a in c.agreements if a.generation == gid])
        room = max(0.0, vendor.apa_max_share * supply[gid] - committed)
        asked = sum([x.units_per_quarter for _, x in asks])
        scale = min(1.0, room / asked) if asked else 0.0
        price = w.generations[gid].list_price_musd * (1 - vendor.apa_discount)
        for cid, x in asks:
            units = int(x.units_per_quarter * scale)
            refused[gid] += x.units_per_quarter - units
            c = w.companies[cid]
            if units <= 0:
                g.say(cid, "{} has no room for more {} agreements (its book is full)", vendor.name, gen.name)
                continue
            deposit = price * units * x.quarters * vendor.apa_deposit_fraction
            g.post(c, "apa_deposit", -deposit, f"{gen.name} agreement deposit")
            c.deposits_musd += deposit
            c.agreements.append(ChipAgreement(w.new_id("A"), gid, units, x.quarters, price, deposit))
            signed = "Signed an agreement for {:,} {}/quarter × {} quarters at ${:,.0f} each (deposit ${:,.0f}M)"
            if scale >= 1:
                g.say(cid, signed, units, gen.name, x.quarters, price * 1e6, deposit)
            else:
                g.say(cid, signed + "; scaled to {:.0%} of your request", units, gen.name, x.quarters, price * 1e6, deposit, scale)
    # 2. agreements are allocated first, pro rata if supply fell short. Like spot, what is
    # allocated this quarter is paid for now and ships after the vendor's lead time.
    left = dict(supply)
    apa_units: dict[str, int] = defaultdict(int)
    apa_due: dict[str, int] = defaultdict(int)
    # generations out of production deliver nothing; their deposits come back as the quarters pass
    due_by_gen: dict[str, list[tuple[Company, ChipAgreement]]] = {}
    for c in g.alive():
        for a in c.agreements:
            if a.quarters_left > 0:
                due_by_gen.setdefault(a.generation, []).append((c, a))
    for gid in list(supply) + sorted(due_by_gen.keys() - supply.keys()):
        due = due_by_gen.get(gid, ())
        want = sum([a.units_per_quarter for _, a in due])
        apa_due[gid] = want
        scale = min(1.0, supply.get(gid, 0) / want) if want else 0.0
        name = spec.generations[gid].name
        arrives = g.q + spec.vendors[spec.generations[gid].vendor].delivery_lead_quarters
        for c, a in due:
            units = int(a.units_per_quarter * scale)
            credit = a.deposit_musd / a.quarters_left
            cost = units * a.price_musd_per_unit
            a.deposit_musd -= credit
            a.quarters_left -= 1
            # the deposit credit is part of the chips' price: it stays among the deposits, now
            # carried by the shipment, and joins the cohort when the chips arrive
            g.post(c, "chip_delivery", -(cost - credit), f"agreement {a.id}")
            if units:
                c.deposits_musd += cost - credit
                c.deliveries.append(Delivery(arrives, gid, units, cost))
            else:
                c.deposits_musd -= credit  # nothing shipped: the deposit's share comes back
            apa_units[gid] += units
            if scale >= 1:
                g.say(c.id, "Agreement {}: {:,} {} allocated, delivery {}", a.id, units, name, g.label(arrives))
            else:
                g.say(c.id, "Agreement {}: {:,} {} allocated, delivery {} ({:.0%} of contract: supply short)", a.id, units, name, g.label(arrives), scale)
        if gid in supply:
            left[gid] = max(0, supply[gid] - apa_units[gid])
    for c in g.alive():
        if c.agreements:
            c.agreements = [a for a in c.agreements if a.quarters_left > 0]
    # 3. spot auctions, with a share reserved for neo-clouds where the vendor says so
    bids_by_gen: dict[str, list[Bid]] = defaultdict(list)
    for cid, x in book.of(o.BidChips):
        bids_by_gen[x.generation].append(Bid(cid, float(x.units), float(x.price_musd_per_unit)))
    results = {}
    for gid, units_left in left.items():
        gen = spec.generations[gid]
        vendor = spec.vendors[gen.vendor]
        arrives = g.q + vendor.delivery_lead_quarters
        reserve = w.generations[gid].list_price_musd * vendor.spot_reserve_fraction
        bids = bids_by_gen.get(gid, [])
        won: dict[int, float] = {}  # units won, by id of the bid
        price = reserve
        sold = 0.0
        pools = []
        ties = g.tie_keys("ties.chips", gid)  # one stream for both pools
        if bids:  # no bids: nothing sold, the price stays at the reserve
            if vendor.neocloud_reserved_share > 0:
                favoured = [b for b in bids if "reserved_allocation" in spec.archetypes[w.companies[b.bidder].archetype].special_moves]
                pools.append((units_left * vendor.neocloud_reserved_share, favoured))
            pools.append((None, bids))
        for pool_supply, pool_bids in pools:
            supply_here = units_left - sold if pool_supply is None else pool_supply
            # each bid for what it has not yet won (while nothing is won, the bids as they came)
            open_bids = [Bid(b.bidder, rest, b.price, b) for b in pool_bids if (rest := b.quantity - won.get(id(b), 0.0)) > 0] if won else pool_bids
            res = clear_uniform_price(supply_here, open_bids, reserve, ties)
            for a in res.awards:
                q = int(a.quantity)
                if q <= 0:
                    continue
                key = id(a.bid.ref or a.bid)  # the bid as it came
                won[key] = won.get(key, 0.0) + q
                sold += q
                c = w.companies[a.bid.bidder]
                cost = q * res.price
                g.post(c, "chip_prepayment", -cost, f"spot {gen.name}")
                c.deposits_musd += cost
                c.deliveries.append(Delivery(arrives, gid, q, cost))
            if res.awards:
                price = res.price
        for b in bids:
            got = int(won.get(id(b), 0.0))
            if got:
                g.say(b.bidder, "Won {:,} {} at spot, delivery {}", got, gen.name, g.label(arrives))
            else:
                why = why_lost(b.price, reserve, price, units_left)
                g.say(b.bidder, "Spot bid for {:,} {} at ${:,.0f} won nothing (cleared at ${:,.0f}, reserve ${:,.0f}): {}", int(b.quantity), gen.name, b.price * 1e6, price * 1e6, reserve * 1e6, why)
        gs = w.generations[gid]
        gs.last_spot_price_musd = price
        gs.last_spot_units = int(sold)
        gs.last_supply_units = supply[gid]
        gs.last_apa_units = apa_units[gid]
        spot_bid = sum([b.quantity for b in bids])
        results[gid] = {
            "supply": supply[gid],
            "agreements": apa_units[gid],
            "spot_bid": spot_bid,
            # everything asked of this quarter's supply: agreements due in full, agreement units
            # refused for want of room, and spot bids
            "bid_units": apa_due[gid] + refused[gid] + spot_bid,
            "spot_sold": int(sold),
            "spot_price_musd": price,
        }
    g.public.markets["chips"] = results


def deliveries(g: GameCore) -> None:
    """Spot purchases arrive after the vendor's lead time."""
    q = g.q
    for c in g.alive():
        if not c.deliveries:
            continue
        due = [d for d in c.deliveries if d.quarter <= q]
        if not due:
            continue
        c.deliveries = [d for d in c.deliveries if d.quarter > q]
        for d in due:
            c.deposits_musd -= d.cost_musd
            _add_cohort(g, c, d.generation, d.units, d.cost_musd)
            g.say(c.id, "Delivered: {:,} {}", d.units, g.spec.generations[d.generation].name)
