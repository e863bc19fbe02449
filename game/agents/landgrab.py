"""Land Grab neo-cloud: maximum leverage, every allocation it can get."""

from __future__ import annotations

from ..model.view import CompanyView
from .base import register
from .builder import Builder


@register("landgrab", "neocloud", "Borrows to the covenant, bids high for every MW that would earn its keep, every gas turbine, powered site and chip allocation it can get, and undercuts to fill them: grow first, pay later.")
class LandGrab(Builder):
    """Land Grab neo-cloud.

    Plays the CoreWeave story in the seed: a neo-cloud that captures share by securing scarce
    power and GPUs faster than anyone, financed by GPU-backed debt. It runs at `leverage` of its
    covenant (1.0 = right up to it): it draws that share of its borrowing room and stops
    bidding for new power once debt ÷ (debt + equity) reaches `leverage` × the covenant's
    maximum. It keeps almost no cash buffer, never repays early,
    bids far over the last price for interconnect, buys gas and distressed powered sites,
    takes the largest share of each generation's supply it may, and prices below the index.
    Its failure mode is the seed's: a covenant breach when demand or prices soften.
    """

    _replaces = ("borrow_fraction",)  # `leverage` says it in the thesis's own words
    _ranges = {"leverage": (0.0, 1.0)}
    leverage = 1.0  # share of the covenant's maximum leverage it runs up to
    max_debt_years_of_ebitda = float("inf")  # the covenant is its only limit
    power_must_pay = True  # grows where power pays, on borrowed money
    lots_must_pay = True
    ambition = 1.35  # the most of any neo-cloud; more drowns it in interest at the covenant
    horizon_quarters = 12
    power_budget_quarters = 4.0
    power_bid_markup = 2.5
    max_power_price_musd_per_mw = 5.0
    supply_share_cap = 0.6
    apa_share = 0.7
    cash_buffer_fraction = 0.0
    repay_above_rate = 1.0
    offer_price_factor = 0.8
    rfp_price_factor = 0.8
    use_fast_track = True
    buy_lots = True
    lot_bid_markup = 1.3
    buy_gas = True

    def borrow_share(self, v: CompanyView) -> float:
        return self.leverage

    def power_wanted_mw(self, v: CompanyView) -> float:
        me = v.me
        ratio = me.debt_musd / max(me.debt_musd + me.book_equity_musd, 1.0)
        if ratio >= self.leverage * v.scenario.archetypes[me.archetype].max_leverage:
            return 0.0
        return super().power_wanted_mw(v)
