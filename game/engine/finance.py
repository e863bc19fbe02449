"""Phase 6, finance: debt and equity, covenant tests, distress, and bankruptcy with its asset auction."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ..model import orders as o
from ..model.state import AssetLot, ChipCohort, Company
from .core import GameCore

if TYPE_CHECKING:  # validate asks finance for the borrowing room; finance reads the order book it makes
    from .validate import OrderBook


def debt_rate(g: GameCore, c: Company, assets: float | None = None) -> float:
    """Annual rate: archetype base, more with leverage, less when contracts back the debt, plus
    the events' rate moves, plus a penalty while the covenant is breached or cash is short."""
    a = g.spec.archetypes[c.archetype]
    assets = max(g.book_assets(c) if assets is None else assets, 1e-9)
    debt = c.debt_musd
    leverage = min(debt / assets, 1.0)  # at most: every asset owed
    backed = 0.0
    if debt > 0 and c.contracts:  # else nothing backs the debt
        hours = g.spec.rules.hours_per_quarter
        backlog = sum([k.h100e * k.price_usd_per_h100e_hour * hours * k.quarters_left / 1e6 for k in c.contracts])
        backed = min(1.0, backlog / debt)
    rate = a.debt_rate_base_per_year + a.debt_rate_leverage_slope * leverage - a.contract_backed_discount * backed
    rate += g.mod("rate_add")
    if c.covenant_breached or c.distress_quarters > 0:
        rate += g.spec.rules.covenant_penalty_rate
    return max(rate, 0.0)


def borrow_headroom(g: GameCore, c: Company, assets: float | None = None) -> float:
    """New debt the covenant allows: leverage up to the archetype's maximum; none while the
    covenant is breached or the company is in distress."""
    if c.covenant_breached or c.distress_quarters > 0:
        return 0.0
    a = g.spec.archetypes[c.archetype]
    if assets is None:
        assets = g.book_assets(c)
    # borrowed cash is itself an asset: debt' <= L (assets + x)  =>  x <= (L*assets - debt)/(1-L)
    room = (a.max_leverage * assets - c.debt_musd) / max(1e-9, 1.0 - a.max_leverage)
    return max(0.0, room)


def finance_phase(g: GameCore, book: OrderBook) -> None:
    rules = g.spec.rules
    orders = book.by_company
    for c in g.alive():
        for x in orders.get(c.id, ()):  # each company's money orders in the order given
            if type(x) is o.Borrow:
                amount = min(x.musd, borrow_headroom(g, c))  # the room may have shrunk since the orders
                if amount > 0:
                    c.debt_musd += amount
                    g.post(c, "debt_draw", amount, "new borrowing")
                    g.say(c.id, "Borrowed ${:,.0f}M at {:.2%}", amount, debt_rate(g, c))
            elif type(x) is o.Repay:
                amount = min(x.musd, c.debt_musd, max(0.0, c.cash_musd))
                if amount > 0:
                    c.debt_musd -= amount
                    g.post(c, "debt_repay", -amount, "repayment")
                    g.say(c.id, "Repaid ${:,.0f}M of debt", amount)
            elif type(x) is o.RaiseEquity:
                _raise_equity(g, c, x.musd)
        # an overdraft is covered from the revolving facility while the covenant allows
        if c.cash_musd < 0:
            draw = min(-c.cash_musd, borrow_headroom(g, c))
            if draw > 0:
                c.debt_musd += draw
                g.post(c, "debt_draw", draw, "revolving credit to cover a shortfall")
                g.say(c.id, "Drew ${:,.0f}M on the revolver to cover a cash shortfall", draw)
        _covenants(g, c)
        if c.cash_musd < 0:
            c.distress_quarters += 1
            left = rules.distress_quarters_to_bankruptcy - c.distress_quarters
            g.say(c.id, f"DISTRESS: cash is ${c.cash_musd:,.0f}M and lenders will not cover it. " + (f"{left} quarter(s) to fix it before bankruptcy." if left > 0 else "Bankrupt."))
            g.world.news.append(f"{c.name} is in financial distress")
        else:
            c.distress_quarters = 0
        if c.distress_quarters >= rules.distress_quarters_to_bankruptcy:
            bankrupt(g, c)


def _raise_equity(g: GameCore, c: Company, amount: float) -> None:
    equity = g.book_equity(c)
    cap = max(0.0, equity) * g.spec.rules.equity_raise_max_fraction
    amount = min(amount, cap)
    if amount <= 0:
        g.say(c.id, "No investor would buy shares this quarter")
        return
    pre_money = equity * (1 - g.spec.rules.equity_issue_discount)
    c.ownership *= pre_money / (pre_money + amount)
    g.post(c, "equity_raise", amount, "share issue")
    g.equity_raised[c.id] = g.equity_raised.get(c.id, 0.0) + amount
    g.say(c.id, "Raised ${:,.0f}M of equity at a {:.0%} discount; founders now own {:.1%}", amount, g.spec.rules.equity_issue_discount, c.ownership)


def _covenants(g: GameCore, c: Company) -> None:
    a = g.spec.archetypes[c.archetype]
    assets = g.book_assets(c)
    leverage = c.debt_musd / assets if assets > 0 else float("inf") if c.debt_musd > 0 else 0.0
    coverage = c.ebitda_musd / c.interest_musd if c.interest_musd > 0 else float("inf")
    breached = leverage > a.max_leverage + 1e-9 or coverage < a.min_interest_coverage
    if breached and not c.covenant_breached:
        g.say(c.id, "COVENANT BREACH: leverage {:.0%} (max {:.0%}), interest cover {:.1f}× (min {:.1f}×). No new debt, higher rate, and spare cash goes to the lenders.", leverage, a.max_leverage, coverage, a.min_interest_coverage)
    if breached and leverage > a.max_leverage:
        # the cash sweep: lenders take spare cash until leverage is back within the covenant
        excess = c.debt_musd - a.max_leverage * assets
        sweep = min(max(0.0, c.cash_musd), max(0.0, excess) / max(1e-9, 1 - a.max_leverage))
        sweep = min(sweep, c.debt_musd)
        if sweep > 0:
            c.debt_musd -= sweep
            g.post(c, "debt_repay", -sweep, "covenant cash sweep")
            g.say(c.id, "Lenders swept ${:,.0f}M of cash to pay down debt", sweep)
    c.covenant_breached = breached


def bankrupt(g: GameCore, c: Company) -> None:
    """The company leaves the game; its sites, power and chips are auctioned next quarter."""
    w, spec = g.world, g.spec
    g.bury(c)
    g.release_books(c)
    c.bankrupt_quarter = g.q
    g.public.bankruptcies.append(c.id)
    w.news.append(f"{c.name} is BANKRUPT: its sites, power and chips go to auction next quarter")
    g.say(c.id, "Your company is bankrupt. It leaves the game and scores zero.")
    # chips' book value per unit, by generation, over the accelerators it holds
    units: dict[str, int] = defaultdict(int)
    book: dict[str, float] = defaultdict(float)
    for s in c.sites:
        for gid, n in s.installed.items():
            units[gid] += n
    for gid, n in c.inventory.items():
        units[gid] += n
    for k in c.cohorts:
        book[k.generation] += k.book_musd
    per_unit = {gid: book[gid] / units[gid] if units[gid] else 0.0 for gid in units}

    def cohorts_for(chips: dict[str, int]) -> list[ChipCohort]:
        return [ChipCohort(gid, n, n * per_unit.get(gid, 0.0), 0.0) for gid, n in chips.items() if n > 0]

    reserve = spec.rules.asset_reserve_fraction_of_book
    quarters = spec.rules.asset_lot_quarters
    power = {p.id: p for p in c.power}
    for s in c.sites:
        p = power.pop(s.power, None)
        chips = cohorts_for(s.installed)
        value = s.book_musd + (p.book_musd if p else 0.0) + sum(k.book_musd for k in chips)
        w.lots.append(AssetLot(w.new_id("L"), "site", s.region, s.mw, value * reserve, c.id, quarters, site=s, power=p, chips=chips))
    for p in power.values():
        p.site = None
        w.lots.append(AssetLot(w.new_id("L"), "power", p.region, p.mw, p.book_musd * reserve, c.id, quarters, power=p))
    if c.inventory:
        chips = cohorts_for(c.inventory)
        w.lots.append(AssetLot(w.new_id("L"), "chips", "", 0.0, sum(k.book_musd for k in chips) * reserve, c.id, quarters, chips=chips))
    c.sites, c.power, c.cohorts, c.inventory = [], [], [], {}
    c.deliveries, c.agreements, c.contracts = [], [], []
    c.deposits_musd = 0.0
    # contracts in which it was the customer end too
    for other in g.alive():
        other.contracts = [k for k in other.contracts if k.customer != c.id]
    w.rfps = [r for r in w.rfps if r.customer != c.id]
