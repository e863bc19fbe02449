"""Internaliser hyperscaler: builds to serve its own AI demand and stops sub-contracting it."""

from __future__ import annotations

from ..model.view import CompanyView
from .base import register
from .builder import Builder
from .policy import compute


@register("internaliser", "hyperscaler", "Builds only to serve its own fast-growing AI demand with a margin, never sub-contracts it out, and sells its spare capacity at a premium.")
class Internaliser(Builder):
    """Internaliser hyperscaler.

    Plays the seed's warning that "if hyperscalers fully internalise demand, neo-cloud
    viability deteriorates". It sizes its power pipeline by its own internal demand a few
    years out (plus `internal_margin`), not by market share, keeps every workload in-house
    (no sub-contract RFPs, so neo-clouds lose that revenue), runs its own ASIC for those
    workloads, and sells what is spare at the index plus a premium rather than chase spot share.
    """

    forecast_supply = True  # a hyperscaler's planners price capacity against every company's announced sites
    internal_margin = 0.25  # capacity it plans beyond its own internal demand
    horizon_quarters = 12
    offer_price_factor = 1.1
    rfp_price_factor = 0.98
    run_asic = True
    asic_share_of_free_power = 0.5
    subcontract = False
    borrow_fraction = 0.4
    power_bid_markup = 1.75  # its own demand is certain: it bids for power like the other hyperscaler agents (1.7-1.8)

    def power_wanted_mw(self, v: CompanyView) -> float:
        """MW needed to serve its own internal demand `horizon_quarters` out, with a margin."""
        me, spec = v.me, v.scenario
        growth = spec.companies[me.id].internal_demand_growth_per_quarter if me.id in spec.companies else 0.0
        future_internal = me.internal_demand_h100e * (1 + growth) ** self.horizon_quarters
        need_h100e = future_internal * (1 + self.internal_margin) * compute.headroom(v)
        per_mw = self._h100e_per_mw(v)
        return max(0.0, (need_h100e - self._planned_h100e(v, per_mw)) / per_mw)
