"""Steady hyperscaler: funds a large power pipeline from the rest of the business."""

from __future__ import annotations

from .base import register
from .builder import Builder


@register("hyperscaler", "hyperscaler", "Secures grid and SMR power years ahead, builds liquid-cooled halls, runs a custom-ASIC programme, sub-contracts what it cannot serve.")
class Hyperscaler(Builder):
    """Steady hyperscaler.

    Plays the seed's first implication: infrastructure is the moat. It keeps a power pipeline
    of about 80% of its online MW, signs SMR PPAs for the long run, funds a custom ASIC to
    escape the merchant allocation, and sub-contracts internal demand it cannot yet serve.
    It prices just under the index (its enterprise premium keeps customers coming at a price
    that fills its halls) and keeps leverage low.
    """

    forecast_supply = True  # a hyperscaler's planners price capacity against every company's announced sites
    ambition = 1.5
    horizon_quarters = 12
    power_bid_markup = 1.7
    cooling = "liquid"
    offer_price_factor = 0.95
    rfp_price_factor = 0.95
    borrow_fraction = 0.5
    sign_smr = True
    run_asic = True
    subcontract = True
