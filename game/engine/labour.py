"""Labour: per-region crew auctions at a clearing wage, and training programmes that grow the pool."""

from __future__ import annotations

from collections import defaultdict

from ..model import orders as o
from .clearing import Bid, clear_uniform_price, why_lost
from .core import GameCore
from .validate import OrderBook


def crew_markets(g: GameCore, book: OrderBook) -> None:
    w, spec = g.world, g.spec
    by_region: dict[str, list[Bid]] = defaultdict(list)
    for cid, x in book.of(o.BidCrews):
        by_region[x.region].append(Bid(cid, float(x.crews), float(x.wage_musd), x))
    for c in g.alive():
        c.crews = {}
        c.crew_wage = {}
    results = {}
    for rid, r in spec.regions.items():
        rs = w.regions[rid]
        supply = rs.crews_pool * g.mod("crews_multiplier", rid)
        res = clear_uniform_price(supply, by_region.get(rid, []), rs.wage_reserve_musd, g.tie_keys("ties.labour", rid))
        for a in res.awards:
            c = w.companies[a.bid.bidder]
            c.crews[rid] = c.crews.get(rid, 0.0) + a.quantity
            c.crew_wage[rid] = res.price
            g.say(c.id, "Hired {:,.1f} crews in {} at ${:.2f}M each", a.quantity, r.name, res.price)
        hired = {a.bid.bidder for a in res.awards}
        for b in by_region.get(rid, []):
            if b.bidder not in hired:
                g.say(b.bidder, "Hired no crews in {}: bid ${:.2f}M, wage cleared at ${:.2f}M (reserve ${:.2f}M): {}", r.name, b.price, res.price, rs.wage_reserve_musd, why_lost(b.price, rs.wage_reserve_musd, res.price, supply))
        rs.last_wage_musd = res.price
        rs.last_crews_hired = res.sold
        results[rid] = {"pool": supply, "bid": res.bid_quantity, "hired": res.sold, "wage_musd": res.price}
    g.public.markets["labour"] = results


def training_programmes(g: GameCore, book: OrderBook) -> None:
    for cid, x in book.of(o.FundTraining):
        c = g.world.companies[cid]
        r = g.spec.regions[x.region]
        crews = x.musd / r.training_musd_per_crew
        g.post(c, "crew_training", -x.musd, f"training in {r.name}")
        g.world.regions[x.region].training.append([g.q + r.training_lead_quarters, crews])
        g.say(cid, "Funded training of {:,.1f} crews for {}, joining the pool in {}", crews, r.name, g.label(g.q + r.training_lead_quarters))
        g.world.news.append(f"{c.name} funds a crew-training programme in {r.name}")
