"""Hints for a newcomer playing the tutorial scenario, one per quarter, told by what they hold.

The lessons follow the engine's own order of work: power, then a site on it, then crews in the
quarter its power energises (crews paid earlier have nothing to build), then chips while the
site commissions (spot chips arrive next quarter and install into online halls), then selling,
money, and reading the standings. Every figure in a hint comes from the player's view, so the
text stays true whichever seat and seed they play (tests/test_tui_tutorial.py plays it through).
"""

from __future__ import annotations

from ..advice import crews_can_build as crews_now, waiting_sites
from ..model.view import CompanyView
from ..scenario import quarter_label

TUTORIAL = "tutorial"


def _when(view: CompanyView, q: int) -> str:
    return quarter_label(view.scenario.game.start, max(q, 0))


def _crews_needed(view: CompanyView, mw: float) -> float:
    return mw / view.scenario.rules.construction_mw_per_crew_quarter


def _own_demand(view: CompanyView) -> str:
    """For a company with products of its own: what they take of its halls and how fast they grow."""
    me = view.me
    if me.internal_demand_h100e <= 0:
        return ""
    need = me.internal_demand_h100e * (1 + view.scenario.demand.internal_headroom_fraction)
    growth = view.scenario.companies[me.id].internal_demand_growth_per_quarter
    return (f" Your own products take {need:,.0f} of your {me.capacity_h100e:,.0f} H100e and grow {growth:.0%} a quarter:"
            " build for them too, or what your halls cannot hold goes unserved.")


def hint(view: CompanyView, pending: int) -> str:
    """What to try this quarter, with the keys that do it."""
    me = view.me
    q = view.quarter
    rules = view.scenario.rules
    free_power = [p for p in me.power if p.site is None]
    held = ", ".join(f"{p.id} ({p.mw:,.0f} MW in {view.region(p.region).name}, " + ("energised" if p.energised else f"energises ~{_when(view, p.ready_quarter)}") + ")" for p in free_power)
    if q == 0:
        wait = min(r.queue_wait_quarters_min for r in view.regions), max(r.queue_wait_quarters_max for r in view.regions)
        text = ("Lesson 1, power: nothing runs without it. The Market tab (1) lists each region's grid MW on offer, its reserve ($M per MW) and queue wait. "
                f"Press p, pick a region, type MW (say 50) and a price at or above the reserve: a won bid is a queue position that energises {wait[0]}–{wait[1]} quarters later."
                + (f" You already hold {held} with no site on it." if free_power else "") + " e ends the quarter.")
    elif q == 1:
        permit = max(r.permitting_quarters for r in view.regions)
        text = (f"Lesson 2, a site. Press b and start a site on power you hold{' — ' + held if free_power else ''}; liquid cooling hosts every chip. "
                f"Permitting takes {permit} quarter, then the site waits for its power. Do not hire crews yet: crews paid before the power energises have nothing to build and their wages are lost."
                + _own_demand(view))
    elif q == 2 or (q == 3 and crews_now(view) and not any(s.built_mw for s, _ in crews_now(view))):
        ready = crews_now(view)
        later = [(s, p) for s, p in waiting_sites(view) if (s, p) not in ready and p is not None]
        if ready:
            need = ", ".join(f"{s.id} {s.mw - s.built_mw:,.0f} MW in {view.region(s.region).name}: {_crews_needed(view, s.mw - s.built_mw):,.0f} crews" for s, _ in ready)
            text = (f"Lesson 3, crews. Your site's power energises this quarter, so crews hired now build now: press w. Each crew builds {rules.construction_mw_per_crew_quarter:g} MW a quarter ({need}); "
                    "the Market tab shows each region's pool and last wage. A built site commissions for "
                    f"{rules.commissioning_quarters} quarter, then comes online.")
        elif later:
            s, p = later[0]
            text = (f"Lesson 3, crews — not yet. Site {s.id}'s power energises ~{_when(view, p.ready_quarter)}: hire crews (w) in that quarter, "
                    f"{_crews_needed(view, s.mw - s.built_mw):,.0f} of them at {rules.construction_mw_per_crew_quarter:g} MW each. Hired earlier, they would have nothing to build. "
                    "Chips come after, while the site commissions.")
        else:
            text = "Lesson 3, crews: start a site first (b), then hire crews (w) in the quarter its power energises."
    elif 3 <= q <= 5 and any(s.stage == "commissioning" for s in me.sites) and not me.deliveries:
        text = ("Lesson 4, chips. While your site commissions, press c and buy chips: spot chips arrive next quarter and install themselves where an online site has free IT MW "
                "(Company tab); the rest wait in inventory, earning nothing. The chip table is in $k; the form asks $M per unit (0.070 = $70k).")
    elif q in (3, 4):
        text = ("Lesson 5, selling. Press m: offer_compute prices your free capacity in a region (near the price index sells well); "
                "bid_rfp answers a training RFP below its ceiling — the lowest bid wins. The report shows demand = served + priced out + unmet.")
    elif q == 5:
        text = ("Lesson 6, money. Press f: borrow within your covenant (headroom is on the Company tab), repay dear debt, or raise equity. "
                "The Company tab shows the three statements: profit and loss, cash flow and the balance sheet.")
    elif view.quarters_left <= 1:
        text = "Last quarter: orders that pay back only later no longer count. Check the Standings (6), end it with e and read the debrief."
    else:
        text = ("Lesson 7, where you stand. Press 6 for the Standings: every company ranked by public value, and your score if the game ended now, term by term. "
                "1.00× is what doing nothing scores; above it you created value. Rivals' cash and scores are private: you see what the market sees.")
    return text
