"""Fortress hyperscaler: locks power and chip supply years ahead and bets on SMRs."""

from __future__ import annotations

from .base import register
from .builder import Builder


@register("fortress", "hyperscaler", "Locks power years ahead: a deep grid pipeline bid well above the last price, an SMR PPA every quarter it can, long chip agreements for most of its needs.")
class Fortress(Builder):
    """Fortress hyperscaler.

    Plays the seed's first implication, "infrastructure is the moat": companies that secured
    power and supply agreements early keep an advantage for 3–5 years. It plans power four
    years out, bids far above the last clearing price so it wins the scarce interconnect, signs
    an SMR PPA every quarter one can still deliver before the end (cheap baseload, years
    later), and buys most of its accelerators under long advance-purchase agreements so
    packaging shortages hit its rivals, not it. It pays for certainty: overbuilt power and
    take-or-pay chips are its failure mode.
    """

    forecast_supply = True  # a hyperscaler's planners price capacity against every company's announced sites
    horizon_quarters = 16
    ambition = 1.5
    power_budget_quarters = 4.0
    max_power_price_musd_per_mw = 6.0
    power_bid_markup = 1.8
    min_earning_quarters = 1
    sign_smr = True
    smr_every_quarters = 1
    smr_share_of_offer = 1.0
    upkeep_budget_share = 0.2
    apa_share = 0.9
    apa_quarters = 12
    subcontract = True
    borrow_fraction = 0.6
