"""Utilisation King neo-cloud: signs contracts first, grows only into demonstrated demand."""

from __future__ import annotations

from ..model.view import CompanyView
from .base import register
from .builder import Builder


@register("utilisation_king", "neocloud", "Wins training contracts with low bids and adds power only when its halls run above a utilisation trigger or its backlog outgrows them: never an empty rack.")
class UtilisationKing(Builder):
    """Utilisation King neo-cloud.

    Plays the seed's neo-cloud edge: bare-metal operators earn their keep from ~20% higher
    utilisation, and contracted backlog makes their debt cheaper. It bids low for training
    RFPs and prices spot below the index to stay full, then adds power only for the backlog
    it has signed plus `growth_step` of its capacity when utilisation is above
    `utilisation_trigger`. It never builds on speculation, so it rarely strands capex,
    and it may be too small when the market runs away.
    """

    _ranges = {"utilisation_trigger": (0.0, 1.0)}
    utilisation_trigger = 0.75  # of its capacity busy
    growth_step = 0.5  # of today's capacity it adds when the halls are full
    rfp_price_factor = 0.82
    offer_price_factor = 0.82
    borrow_fraction = 0.7
    use_fast_track = True
    buy_gas = True

    def power_wanted_mw(self, v: CompanyView) -> float:
        me = v.me
        backlog = sum(k.h100e for k in me.contracts)
        utilisation = me.used_h100e / me.capacity_h100e if me.capacity_h100e > 0 else 1.0
        need_h100e = max(backlog, me.capacity_h100e * (1 + self.growth_step) if utilisation >= self.utilisation_trigger else 0.0)
        per_mw = self._h100e_per_mw(v)
        return max(0.0, (need_h100e - self._planned_h100e(v, per_mw)) / per_mw)
