"""A starting point for your own Gridlock agent (`gridlock agents new NAME` copies this file).

Seat it with:   gridlock run --seat corecell=./NAME.py:TemplateAgent

The contract:
  * the class is built once per seat as `TemplateAgent(seed, **params)`: `seed` is a numpy
    SeedSequence for this seat (draw all randomness from it, so a game replays exactly) and
    `params` are the strings after the class in the seat spec, `NAME.py:TemplateAgent:k=v,…`;
  * each quarter `decide(view)` gets a CompanyView (game/model/view.py: your company as
    `view.me`, public data on rivals, regions, chip generations, RFPs and lots on sale, and
    the scenario's rules as `view.scenario`) and returns a list of orders
    (game/model/orders.py). An order the engine refuses is listed with its reason in your
    company's report; the rest of the list still counts. An exception loses the quarter's orders.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from game.model import orders as o
from game.model.view import CompanyView


class TemplateAgent:
    """Keeps what it has busy: builds on the power it holds, fills its halls, sells the compute."""

    def __init__(self, seed: np.random.SeedSequence | None = None, spend_share: str = "0.5"):
        self.rng = np.random.default_rng(seed)  # unused here: for your own random choices
        self.spend_share = float(spend_share)  # of cash it spends on chips in a quarter
        self.name = "template"  # the runner replaces it with the seat spec

    def decide(self, view: CompanyView) -> list[Any]:
        me = view.me
        orders: list[Any] = []

        # 1. Start a liquid-cooled site on every power source that has none yet.
        for power in me.power:
            if power.site is None:
                orders.append(o.StartSite(power.id, "liquid"))

        # 2. Fill free IT power in online halls with the merchant chip giving most H100e per dollar.
        liquid = {kind for kind, c in view.scenario.cooling.items() if c.hosts_liquid_only}
        free_kw = sum(s.free_mw * 1000 for s in me.sites if s.stage == "online" and s.cooling in liquid)
        on_sale = [g for g in view.generations if g.released and g.in_production and not g.custom and g.supply_units > 0]
        if on_sale and free_kw > 0:
            best = max(on_sale, key=lambda g: (g.performance_h100e / g.list_price_musd, g.id))
            price = max(best.list_price_musd, best.last_spot_price_musd)
            units = int(min(free_kw / best.power_kw, me.cash_musd * self.spend_share / price))
            if units > 0:
                orders.append(o.BidChips(best.id, units, round(price, 6)))

        # 3. Offer all free capacity at the market's price index, in every region it runs halls.
        for region in sorted({s.region for s in me.sites if s.stage == "online" and s.installed}):
            orders.append(o.OfferCompute(region, round(view.price_index, 4)))
        return orders
