"""Stranded Power neo-cloud: cheap remote power and distressed powered sites."""

from __future__ import annotations

import math

from ..model.view import CompanyView, RegionView
from .base import register
from .builder import Builder


@register("stranded_power", "neocloud", "Goes where power is cheapest whatever the wait, and skips the queue with distressed powered sites (miner conversions) where power is cheap.")
class StrandedPower(Builder):
    """Stranded Power neo-cloud.

    Plays the seed's "energy costs now dominate operating economics" and its geographic
    arbitrage: the Crusoe playbook of stranded and flared power. It ranks regions by
    wholesale power price alone (the cheapest MWh wins even with a longer queue) and
    skips regions dearer than `max_grid_usd_per_mwh` altogether, bids hard for distressed
    powered sites where power costs at most `max_lot_usd_per_mwh` to bypass the
    interconnect queue, burns no gas, and fast-tracks permits. Its halls run cheap; it pays
    for that in latency (remote regions earn less from inference) and in waiting.
    """

    max_grid_usd_per_mwh = 50.0  # it bids for grid power only where the wholesale price is below this
    lot_bid_markup = 2.0
    power_bid_markup = 1.25
    max_lot_usd_per_mwh = 100.0  # a powered site skips the queue, so it may run on dearer power than a grid bid
    min_earning_quarters = 1
    buy_lots = True
    lot_budget_share = 0.9
    lots_must_pay = False  # every powered site where power is cheap: the queue is the enemy
    buy_gas = False  # turbines burn dear gas: not its thesis
    use_fast_track = True
    ambition = 1.4

    offer_price_factor = 0.9

    def region_preference(self, v: CompanyView, r: RegionView) -> float:
        if self._outlook(v).market.online_quarter[r.id] >= v.quarters_total:  # whatever the wait, as long as it comes online in the game
            return math.inf
        return r.power_price_usd_per_mwh if r.power_price_usd_per_mwh <= self.max_grid_usd_per_mwh else math.inf
