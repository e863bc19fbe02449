"""Fast Follower hyperscaler: lets the field move first, then matches it with cheap spot buys."""

from __future__ import annotations

from ..model.view import CompanyView
from .base import register
from .builder import Builder


@register("fast_follower", "hyperscaler", "Waits a year, then holds as much power as the average rival hyperscaler, bidding at the reserve and buying chips on spot at list price: late but cheap.")
class FastFollower(Builder):
    """Fast Follower hyperscaler.

    Bets against the seed's scarcity thesis: if the land rush overshoots, the second mover
    buys at the reserve what the first paid a premium for. It places no power bid before
    `power_from_quarter`, then sizes its power to `follow_ratio` × the mean power held by the
    rival hyperscalers (public data), bids only just over the reserve, signs no chip
    agreements (spot at list price), and buys bankrupt rivals' sites when they come up.
    When power really is the moat it arrives too late.
    """

    forecast_supply = True  # a hyperscaler's planners price capacity against every company's announced sites
    follow_ratio = 1.0  # of the mean rival hyperscaler's power it wants to hold
    power_from_quarter = 4
    power_bid_markup = 1.02
    apa_share = 0.0
    chip_bid_markup = 1.0
    buy_lots = True
    lot_bid_markup = 1.0
    borrow_fraction = 0.4

    def power_wanted_mw(self, v: CompanyView) -> float:
        peers = [r for r in v.rivals if r.alive and r.archetype == v.me.archetype]
        if not peers:
            return super().power_wanted_mw(v)
        target = self.follow_ratio * sum(r.power_mw for r in peers) / len(peers)
        return max(0.0, target - sum(p.mw for p in v.me.power))
