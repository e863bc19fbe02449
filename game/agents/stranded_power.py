"""Stranded Power neo-cloud: cheap remote power, distressed powered sites and gas."""

from __future__ import annotations

import math

from ..model.view import CompanyView, RegionView
from .base import register
from .builder import Builder


@register("stranded_power", "neocloud", "Goes where power is cheapest whatever the wait, and skips the queue with distressed powered sites (miner conversions) and on-site gas turbines.")
class StrandedPower(Builder):
    """Stranded Power neo-cloud.

    Plays the seed's "energy costs now dominate operating economics" and its geographic
    arbitrage: the Crusoe playbook of stranded and flared power. It ranks regions by
    wholesale power price alone (the cheapest MWh wins even with a longer queue) and
    skips regions dearer than `max_grid_usd_per_mwh` altogether, bids
    hard for every distressed powered site and on-site gas turbines to bypass the
    interconnect queue, and fast-tracks permits. Its halls run cheap; it pays for that in
    latency (remote regions earn less from inference) and gas's higher running cost.
    """

    max_grid_usd_per_mwh = 50.0  # it bids for grid power only where the wholesale price is below this
    lot_bid_markup = 2.0
    power_bid_markup = 1.15
    min_earning_quarters = 1
    buy_lots = True
    buy_gas = True
    use_fast_track = True
    ambition = 1.4
    offer_price_factor = 0.9

    def region_preference(self, v: CompanyView, r: RegionView) -> float:
        return r.power_price_usd_per_mwh if r.power_price_usd_per_mwh <= self.max_grid_usd_per_mwh else math.inf
