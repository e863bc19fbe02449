"""Hints for a newcomer playing the tutorial scenario, one per quarter, told by what they hold."""

from __future__ import annotations

from ..model.view import CompanyView

TUTORIAL = "tutorial"


def hint(view: CompanyView, pending: int) -> str:
    """What to try this quarter, with the keys that do it."""
    me = view.me
    q = view.quarter
    free_power = [p for p in me.power if p.site is None]
    if q == 0:
        text = ("Lesson 1, power. The Market tab lists each region's grid MW on offer, its reserve price ($M/MW) and queue wait. "
                "Press p for the Power form: pick a region, type MW (say 50) and a price at or above the reserve, Enter adds it. Then e ends the quarter.")
    elif q == 1:
        target = f" (you hold {free_power[0].id} without a site)" if free_power else ""
        text = (f"Lesson 2, building. Press b to start a site on power you hold{target}; liquid cooling hosts every chip. "
                "Sites need crews to build: press w and hire crews in that region at or above the last wage.")
    elif q == 2:
        text = ("Lesson 3, chips. Press c: bid_chips buys at spot (bid near the last spot price), sign_apa locks in volume. "
                "Chips install where an online site has free IT MW (Company tab); the rest wait in inventory.")
    elif q == 3:
        text = ("Lesson 4, selling. Press m: offer_compute prices your free capacity in a region (near the price index sells well); "
                "bid_rfp answers a training RFP below its ceiling — the lowest bid wins.")
    elif q == 4:
        text = ("Lesson 5, money. Press f: borrow within your covenant (headroom is on the Company tab), repay dear debt, or raise equity. "
                "Cash below zero that lenders won't cover is distress.")
    elif view.quarters_left <= 1:
        text = "Last quarter: orders that pay back only later no longer count. End it with e and read the debrief."
    else:
        text = "Play on: keep power, crews and chips in step. The Company tab shows what blocks each site. e ends the quarter."
    if pending == 0 and q < 5:
        text += "  (Ending a quarter with no orders is fine too.)"
    return text
