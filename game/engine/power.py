"""Power markets: interconnect auctions, gas turbines, SMR PPAs and auctions of whole lots."""

from __future__ import annotations

from collections import defaultdict

from ..model import orders as o
from ..model.state import GAS, GRID, ONLINE, SMR, AssetLot, PowerSource
from ..scenario import quarter_offset
from ..scenario.spec import RegionSpec
from .clearing import Bid, TieKeys, clear_uniform_price, valid_bids, why_lost
from .core import GameCore
from .validate import OrderBook


def _new_source(g: GameCore, cid: str, kind: str, region: str, mw: float, ready: int, price: float, cost: float) -> PowerSource:
    c = g.world.companies[cid]
    q = g.q
    p = PowerSource(g.world.new_id("P"), kind, region, mw, ready_quarter=ready, energised=ready <= q, price_usd_per_mwh=price, book_musd=cost, acquired_quarter=q)
    c.power.append(p)
    g.world.mw_created += mw
    return p


def queued_mw(g: GameCore) -> dict[str, float]:
    """Grid MW won but not yet energised, by region (every company's, and any lot's)."""
    out = dict.fromkeys(g.spec.regions, 0.0)
    held = [p for c in g.alive() for p in c.power] + [lot.power for lot in g.world.lots if lot.power is not None]
    for p in held:
        if p.kind == GRID and not p.energised:
            out[p.region] += p.mw
    return out


def congestion_quarters(r, queued: float) -> int:
    """Quarters a region's queue adds to a new position's wait for the MW already in it."""
    per = r.queue_congestion_mw_per_quarter
    return int(queued / per) if per > 0 else 0


def within_share(g: GameCore, r: RegionSpec, bids: list[Bid], supply: float) -> list[Bid]:
    """Each company's bids in a region cut to `interconnect_share_max` of the quarter's release,
    its highest-priced bids kept first (a bid cut below `min_interconnect_award_mw` is dropped):
    a utility spreads new capacity across its customers."""
    rules = g.spec.rules
    if rules.interconnect_share_max >= 1.0 or not bids or supply <= 0:
        return bids
    room: dict[str, float] = defaultdict(lambda: rules.interconnect_share_max * supply)
    kept = []
    cut: dict[str, float] = defaultdict(float)
    # highest price first; a company's equal-priced bids in the order it gave them (sorted is stable)
    for b in sorted(bids, key=lambda b: -b.price):
        q = min(b.quantity, room[b.bidder])
        if q < b.quantity:
            cut[b.bidder] += b.quantity - q
        if q >= max(rules.min_interconnect_award_mw, 1e-9):
            room[b.bidder] -= q
            kept.append(b if q == b.quantity else Bid(b.bidder, q, b.price, b.ref))
        elif q > 0:
            cut[b.bidder] += q
    for cid, mw in cut.items():
        g.say(cid, "Interconnect in {}: one company may win at most {:.0%} of the {:,.0f} MW released; {:,.0f} MW of your bids were set aside", r.name, rules.interconnect_share_max, supply, mw)
    return kept


def interconnect_auctions(g: GameCore, book: OrderBook) -> None:
    """Each region's new grid MW go to the highest bids; winners get queue positions."""
    w, spec = g.world, g.spec
    by_region: dict[str, list[Bid]] = defaultdict(list)
    for cid, x in book.of(o.BidInterconnect):
        by_region[x.region].append(Bid(cid, float(x.mw), float(x.price_musd_per_mw), x))
    results = {}
    queued = queued_mw(g)
    for rid, r in spec.regions.items():
        rs = w.regions[rid]
        moratorium = g.mod("moratorium", rid, 0.0) > 0
        supply = 0.0 if moratorium else r.grid_release_mw_per_quarter * g.mod("grid_release_multiplier", rid)
        # what the market asked for, before any company's bids were cut to its share
        asked = sum([b.quantity for b in valid_bids(by_region.get(rid, ()), r.grid_reserve_price_musd_per_mw)])
        bids = within_share(g, r, by_region.get(rid, []), supply)
        res = clear_uniform_price(supply, bids, r.grid_reserve_price_musd_per_mw, g.tie_keys("ties.interconnect", rid))
        # a partly filled bid left with less than the smallest connection a utility studies gets
        # nothing: no sliver positions (those MW stay unsold this quarter)
        awards = [a for a in res.awards if a.quantity >= spec.rules.min_interconnect_award_mw]
        sold = sum([a.quantity for a in awards])
        rs.last_grid_price_musd_per_mw = res.price
        rs.last_grid_mw = sold
        rs.last_grid_bid_mw = asked
        # the queue is longer the more MW already wait in it (studies and upgrades are shared)
        extra_wait = int(g.mod("queue_wait_add_quarters", rid, 0.0)) + congestion_quarters(r, queued[rid]) if awards else 0
        for a in awards:
            wait = int(g.draws("power.queue_wait", rid, a.bid.bidder).integers(r.queue_wait_quarters_min, r.queue_wait_quarters_max + 1)) + extra_wait
            cost = a.quantity * res.price
            c = w.companies[a.bid.bidder]
            p = _new_source(g, c.id, GRID, rid, a.quantity, g.q + wait, 0.0, cost)
            g.post(c, "capex_power", -cost, f"queue position {p.id}")
            g.say(c.id, "Won {:,.0f} MW of interconnect in {} at ${:.2f}M/MW: position {}, energises about {}", a.quantity, r.name, res.price, p.id, g.label(p.ready_quarter))
        won = {id(a.bid) for a in awards}
        sliver = {id(a.bid): a.quantity for a in res.awards if id(a.bid) not in won}
        for b in bids:
            if id(b) not in won:
                why = f"filled only {sliver[id(b)]:,.1f} MW, under the {spec.rules.min_interconnect_award_mw:,.0f} MW minimum" if id(b) in sliver else ("moratorium" if moratorium else why_lost(b.price, r.grid_reserve_price_musd_per_mw, res.price, supply))
                g.say(b.bidder, "Lost interconnect bid in {}: {:,.0f} MW at ${:.3f}M/MW (cleared at ${:.3f}M/MW, reserve ${:.3f}M/MW): {}", r.name, b.quantity, b.price, res.price, r.grid_reserve_price_musd_per_mw, why)
        results[rid] = {
            "supply_mw": supply,
            "bid_mw": asked,
            "sold_mw": sold,
            "price_musd_per_mw": res.price,
            "moratorium": moratorium,
            "queued_mw": queued[rid] + sold,  # grid MW waiting to energise, this quarter's included
            "wait_add_quarters": congestion_quarters(r, queued[rid]),
        }
    g.public.markets["interconnect"] = results


def gas_auction(g: GameCore, book: OrderBook) -> None:
    """The world's scarce turbine output for the quarter, one uniform price; delivery after a long lead."""
    gs = g.spec.power.gas
    w = g.world
    bids = [Bid(cid, float(x.mw), float(x.price_musd_per_mw), x) for cid, x in book.of(o.BidGasTurbines)]
    res = clear_uniform_price(w.gas_supply_mw, bids, gs.reserve_price_musd_per_mw, g.tie_keys("ties.gas"))
    price = gs.price_usd_per_mwh
    for a in res.awards:
        lead = int(g.draws("power.gas_lead", a.bid.bidder).integers(gs.lead_quarters_min, gs.lead_quarters_max + 1))
        c = w.companies[a.bid.bidder]
        cost = a.quantity * res.price
        p = _new_source(g, c.id, GAS, a.bid.ref.region, a.quantity, g.q + lead, price, cost)
        g.post(c, "capex_power", -cost, f"gas turbines {p.id}")
        g.say(c.id, "Won {:,.0f} MW of gas turbines at ${:.2f}M/MW for {}: {}, running from {}", a.quantity, res.price, g.spec.regions[p.region].name, p.id, g.label(p.ready_quarter))
    w.last_gas_price_musd_per_mw = res.price
    w.last_gas_mw = res.sold
    g.public.markets["gas"] = {"supply_mw": w.gas_supply_mw, "bid_mw": res.bid_quantity, "sold_mw": res.sold, "price_musd_per_mw": res.price}


def smr_signing(g: GameCore, book: OrderBook) -> None:
    """SMR PPAs: a capped MW per quarter, shared pro rata when oversubscribed; delivery years later."""
    sm = g.spec.power.smr
    w = g.world
    asks = book.of(o.SignSmrPpa)
    total = sum([x.mw for _, x in asks])
    scale = min(1.0, sm.max_mw_per_quarter / total) if total > 0 else 0.0
    first = quarter_offset(g.spec.game.start, sm.first_delivery)
    signed = 0.0
    for cid, x in asks:
        mw = x.mw * scale
        if mw <= 0:
            continue
        c = w.companies[cid]
        ready = max(first, g.q + sm.delivery_lead_quarters)
        deposit = mw * sm.deposit_musd_per_mw
        p = _new_source(g, cid, SMR, x.region, mw, ready, sm.price_usd_per_mwh, deposit)
        g.post(c, "capex_power", -deposit, f"SMR PPA {p.id}")
        signed += mw
        g.say(cid, "Signed an SMR PPA for {:,.0f} MW in {} ({}); delivery due {} at ${:.0f}/MWh", mw, g.spec.regions[x.region].name, p.id, g.label(ready), sm.price_usd_per_mwh)
    g.public.markets["smr"] = {"offered_mw": sm.max_mw_per_quarter, "asked_mw": total, "signed_mw": signed}


def lot_auctions(g: GameCore, book: OrderBook) -> None:
    """Each lot goes whole to the highest bid at or above its reserve, at the second price;
    unsold lots are scrapped in time."""
    w = g.world
    bids_by_lot: dict[str, list[Bid]] = defaultdict(list)
    for cid, x in book.of(o.BidLot):
        bids_by_lot[x.lot].append(Bid(cid, 1.0, float(x.price_musd), x))
    results = []
    keep: list[AssetLot] = []
    for lot in w.lots:
        won = second_price(bids_by_lot.get(lot.id, []), lot.reserve_musd, g.tie_keys("ties.lot", lot.id))
        for b in bids_by_lot.get(lot.id, []):
            if won is None or b is not won[0]:
                why = why_lost(b.price, lot.reserve_musd, won[0].price if won else lot.reserve_musd, 1.0)
                g.say(b.bidder, "Lost lot {}: your bid ${:,.0f}M ({}, reserve ${:,.0f}M): {}", lot.id, b.price, f"sold at ${won[1]:,.0f}M" if won else "unsold", lot.reserve_musd, why)
        if won is not None:
            winner, price = won
            buyer = w.companies[winner.bidder]
            _transfer_lot(g, lot, buyer, price)
            results.append({"lot": lot.id, "kind": lot.kind, "region": lot.region, "mw": lot.mw, "buyer": buyer.id, "price_musd": price})
            w.news.append(f"{buyer.name} bought lot {lot.id} ({lot.kind.replace('_', ' ')}, {lot.mw:,.0f} MW) for ${price:,.0f}M")
            continue
        lot.quarters_left -= 1
        if lot.quarters_left > 0:
            keep.append(lot)
        else:
            _scrap_lot(g, lot)
            results.append({"lot": lot.id, "kind": lot.kind, "region": lot.region, "mw": lot.mw, "buyer": None, "price_musd": 0.0})
    w.lots = keep
    g.public.markets["lots"] = results


def second_price(bids: list[Bid], reserve: float, ties: TieKeys) -> tuple[Bid, float] | None:
    """A whole lot to the highest bid at or above the reserve, which pays the higher of the
    reserve and the best other bid (a sealed second-price auction). The price moves smoothly
    with the bids: a rival bid a dollar above the reserve lifts it by a dollar, no more. Equal
    top bids are split by a seeded draw; the winner then pays its own (equal) bid."""
    valid = [b for b in bids if b.price >= reserve]
    if not valid:
        return None
    top = max([b.price for b in valid])
    tied = [b for b in valid if b.price == top]
    winner = tied[int(ties.rng.integers(len(tied)))] if len(tied) > 1 else tied[0]
    return winner, max([reserve] + [b.price for b in valid if b is not winner])


def _transfer_lot(g: GameCore, lot: AssetLot, buyer, price: float) -> None:
    """The buyer takes the assets; the price is split over them in proportion to the seller's book
    values and becomes the buyer's book value."""
    g.post(buyer, "asset_purchase", -price, f"lot {lot.id}")
    parts: list = list(lot.chips) + [x for x in (lot.site, lot.power) if x is not None]
    books = [x.book_musd for x in parts]
    total = sum(books)
    shares = [price * b / total for b in books] if total > 0 else [price / len(parts)] * len(parts)
    rules = g.spec.rules
    for x, v in zip(parts, shares):
        x.book_musd = v
    for k in lot.chips:
        k.dep_musd_per_quarter = k.book_musd / g.spec.generations[k.generation].depreciation_quarters
        buyer.cohorts.append(k)
    site, power = lot.site, lot.power
    if site is None:
        for k in lot.chips:
            buyer.inventory[k.generation] = buyer.inventory.get(k.generation, 0) + k.units
    else:
        site.id = g.world.new_id("S")
        g.forget_site(site, buyer)
        site.dep_musd_per_quarter = site.book_musd / rules.facility_depreciation_quarters if site.stage == ONLINE else 0.0
        buyer.sites.append(site)
    if power is not None:
        power.id = g.world.new_id("P")
        power.acquired_quarter = g.q
        power.dep_musd_per_quarter = power.book_musd / rules.power_depreciation_quarters if power.energised else 0.0
        buyer.power.append(power)
        if site is not None:
            site.power, power.site = power.id, site.id
    what = f"site {site.id} ({site.stage})" if site is not None else (f"power source {power.id}" if power is not None else "accelerators, now in inventory")
    where = f", {lot.mw:,.0f} MW in {g.spec.regions[lot.region].name}" if lot.region in g.spec.regions else ""
    g.say(buyer.id, "Bought lot {}: {}{}, for ${:,.0f}M", lot.id, what, where, price)


def _scrap_lot(g: GameCore, lot: AssetLot) -> None:
    w = g.world
    if lot.power is not None:
        w.mw_scrapped += lot.power.mw
    # a site lot's chips are those installed in it; its cohorts only carry their book value
    chips = lot.site.installed if lot.site is not None else {k.generation: k.units for k in lot.chips}
    for gid, n in chips.items():
        w.chips_scrapped[gid] = w.chips_scrapped.get(gid, 0) + n
    w.news.append(f"Lot {lot.id} ({lot.kind.replace('_', ' ')}, {lot.mw:,.0f} MW) found no buyer and was scrapped")
