"""ASIC Bet hyperscaler: custom silicon from day one, to escape the merchant-GPU allocation."""

from __future__ import annotations

from ..model.view import CompanyView
from .base import register
from .builder import Builder


@register("asic_bet", "hyperscaler", "Funds its custom-ASIC programme from the first quarter and, once it ships, fills most new halls with its own chips instead of queueing for merchant GPUs.")
class AsicBet(Builder):
    """ASIC Bet hyperscaler.

    Plays the seed's point that packaging and HBM, not chip design, ration merchant GPUs:
    whoever designs its own silicon gets a separate supply line at cost. It funds the ASIC
    programme from quarter one, signs no merchant advance-purchase agreements, and once the
    ASIC ships it leaves `asic_share_of_free_power` of its free hall power for its own chips,
    buying merchant GPUs only for the rest. Its risk: a programme that costs billions before it
    delivers, and chips customers value less (a weaker software ecosystem).
    """

    forecast_supply = True  # a hyperscaler's planners price capacity against every company's announced sites
    run_asic = True
    asic_share_of_free_power = 0.8
    supply_share_cap = 0.6  # bids for more of each quarter's supply: its own silicon is its supply line
    apa_share = 0.0
    ambition = 1.4
    power_bid_markup = 1.75
    borrow_fraction = 0.5
    subcontract = True

    def merchant_share(self, v: CompanyView) -> float:
        asic = v.generation(v.scenario.asic.generation)
        if v.me.asic_active and asic.in_production:
            return 1.0 - self.asic_share_of_free_power
        return 1.0
