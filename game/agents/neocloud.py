"""Contract-first neo-cloud: grows on borrowed money but only as fast as it can fill capacity."""

from __future__ import annotations

from .base import register
from .builder import Builder


@register("neocloud", "neocloud", "Fast-tracks builds on cheap powered sites and gas, undercuts on price to keep utilisation high, wins training RFPs, borrows against contracts.")
class Neocloud(Builder):
    """Contract-first neo-cloud.

    Plays the seed's neo-cloud thesis: bare metal at high utilisation. It buys distressed
    powered sites and gas turbines to skip the grid queue, fast-tracks permits, undercuts
    the index to fill every accelerator, bids hard for training RFPs (their backlog makes its
    debt cheaper), and raises equity rather than breach a covenant.
    """

    ambition = 1.2
    max_lot_usd_per_mwh = 70.0  # cheap powered sites only
    lot_bid_markup = 1.2
    power_bid_markup = 1.35
    offer_price_factor = 0.85
    rfp_price_factor = 0.85
    cash_buffer_fraction = 0.02
    borrow_fraction = 1.0
    use_fast_track = True
    buy_lots = True
    buy_gas = True
