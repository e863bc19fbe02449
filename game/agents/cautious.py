"""Cautious neo-cloud: low leverage and a deep cash buffer, to survive an AI winter."""

from __future__ import annotations

from typing import Any

from ..model.view import CompanyView
from .base import register
from .builder import Builder


@register("cautious", "neocloud", "Keeps leverage low and a deep cash buffer, repays debt whenever it can, and stops expanding when prices fall or its halls run empty: survives winters.")
class Cautious(Builder):
    """Cautious neo-cloud.

    Plays the seed's last implication: "the neo-cloud model may be unsustainable" if demand
    is internalised or softens. It borrows at most `borrow_fraction` of its headroom, keeps
    `cash_buffer_fraction` of its equity in cash, repays any debt with spare cash, and
    freezes new power (and with it new chip buys for new halls) for `winter_quarters` after a
    quarter in which the price index fell by more than `winter_price_drop` or its utilisation
    dropped below `utilisation_floor`. It pays up for the little power it wants and picks up
    distressed sites near their reserve. It gives up share in a boom to be alive after the bust.
    """

    borrow_fraction = 0.4
    cash_buffer_fraction = 0.15
    repay_above_rate = 0.0
    ambition = 1.0
    power_bid_markup = 1.5  # pays up for the few MW it wants rather than borrow for many
    offer_price_factor = 0.85  # sells its capacity a little under the index, as neo-clouds do, to keep it busy
    buy_lots = True  # bankrupt rivals' and distressed sites near the reserve: the winter's bargains
    _ranges = {"utilisation_floor": (0.0, 1.0), "winter_price_drop": (0.0, 1.0)}
    utilisation_floor = 0.6
    winter_price_drop = 0.08  # a quarterly fall in the price index it reads as winter coming
    winter_quarters = 4  # how long it stays frozen after a warning sign

    def __init__(self, seed: Any = None, **params: Any):
        super().__init__(seed, **params)
        self._last_index: float | None = None
        self._frozen_until = -1

    def decide(self, v: CompanyView) -> list[Any]:
        me = v.me
        utilisation = me.used_h100e / me.capacity_h100e if me.capacity_h100e > 0 else 1.0
        falling = self._last_index is not None and v.price_index < self._last_index * (1 - self.winter_price_drop)
        if falling or utilisation < self.utilisation_floor:
            self._frozen_until = v.quarter + self.winter_quarters
        self._last_index = v.price_index
        return super().decide(v)

    def power_wanted_mw(self, v: CompanyView) -> float:
        return 0.0 if v.quarter < self._frozen_until else super().power_wanted_mw(v)
