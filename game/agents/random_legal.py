"""Random-legal agent: a baseline and a fuzzer, it plays random orders that pass validation."""

from __future__ import annotations

from typing import Any

from ..model import orders as o
from ..model.view import CompanyView
from .base import Tunable, register


@register("random", "any", "Plays random orders drawn from what is legal for it this quarter; a baseline every real strategy should beat.")
class RandomLegal(Tunable):
    """Random-legal agent.

    Each quarter it draws a handful of orders among those its view says are possible (regions
    that exist, power it holds, generations in production, RFPs open) with random but
    affordable sizes and prices. Useful as the floor of a tournament and as a fuzzer.
    """

    stochastic = True
    orders_per_quarter = 5  # the most orders it draws in a quarter

    def decide(self, v: CompanyView) -> list[Any]:
        rng = self.rng
        me = v.me
        regions = [r for r in v.regions]
        gens = [g for g in v.generations if g.released and g.in_production and not g.custom]
        budget = max(0.0, me.cash_musd + me.borrow_headroom_musd) * 0.2  # shared by this quarter's costly orders
        out: list[Any] = []
        for _ in range(int(rng.integers(0, self.orders_per_quarter + 1))):
            pick = int(rng.integers(0, 8))
            r = regions[int(rng.integers(len(regions)))]
            if pick == 0 and not r.moratorium:
                mw = float(rng.uniform(10, 200))
                price = r.grid_reserve_price_musd_per_mw * float(rng.uniform(1, 3))
                if mw * price < budget:
                    out.append(o.BidInterconnect(r.id, round(mw, 1), round(price, 4)))
                    budget -= round(mw, 1) * round(price, 4)
            elif pick == 1 and gens:
                g = gens[int(rng.integers(len(gens)))]
                price = g.list_price_musd * float(rng.uniform(0.95, 1.3))
                units = int(min(rng.integers(100, 20000), budget / round(price, 6)))
                if units > 0:
                    out.append(o.BidChips(g.id, units, round(price, 6)))
                    budget -= units * round(price, 6)
            elif pick == 2:
                taken = {x.power for x in out if isinstance(x, o.StartSite)}
                free = [p for p in me.power if p.site is None and p.id not in taken]
                if free:
                    p = free[int(rng.integers(len(free)))]
                    out.append(o.StartSite(p.id, "liquid", False))
            elif pick == 3:
                crews = float(rng.uniform(1, max(2.0, r.crews_pool * 0.2)))
                wage = r.wage_reserve_musd * float(rng.uniform(1, 1.5))
                if crews * wage < budget:
                    out.append(o.BidCrews(r.id, round(crews, 2), round(wage, 4)))
                    budget -= round(crews, 2) * round(wage, 4)
            elif pick == 4:
                if not any(isinstance(x, o.OfferCompute) and x.region == r.id for x in out):
                    out.append(o.OfferCompute(r.id, round(v.price_index * float(rng.uniform(0.6, 1.5)), 4)))
            elif pick == 5 and v.rfps:
                rfp = v.rfps[int(rng.integers(len(v.rfps)))]
                if rfp.customer != me.id and not any(isinstance(x, o.BidRfp) and x.rfp == rfp.id for x in out):
                    out.append(o.BidRfp(rfp.id, round(rfp.max_price_usd_per_h100e_hour * float(rng.uniform(0.6, 1.0)), 4)))
            elif pick == 6 and me.borrow_headroom_musd > 1:
                out.append(o.Borrow(round(float(rng.uniform(0.01, me.borrow_headroom_musd * 0.3)), 2)))
            elif pick == 7 and me.debt_musd > 1 and min(me.cash_musd, budget) > 1:
                repay = round(float(rng.uniform(0.01, min(me.debt_musd, me.cash_musd, budget) * 0.3)), 2)
                out.append(o.Repay(repay))
                budget -= repay
        # keep the sale of what it has going, like anyone would
        for rid in sorted({s.region for s in me.sites if s.stage == "online" and s.installed}):
            if not any(isinstance(x, o.OfferCompute) and x.region == rid for x in out):
                out.append(o.OfferCompute(rid, round(v.price_index, 4)))
        return out
