"""Finance: a cash buffer from the revolver, expensive debt repaid when cash is plentiful,
equity raised in distress."""

from __future__ import annotations

import math

from ...model import orders as o
from ...model.view import CompanyView


def cents(musd: float) -> float:
    """Rounded down to the cent, so a rounded amount never overruns the limit it was sized to."""
    return math.floor(musd * 100) / 100


def buffer_musd(v: CompanyView, fraction: float) -> float:
    return fraction * max(0.0, v.me.book_equity_musd)


def borrowing_room_musd(v: CompanyView, borrow_share: float, max_debt_years_of_ebitda: float) -> float:
    """New debt it will take on: its share of the covenant's headroom, and no more than keeps
    its debt within so many years of its operating cash flow (what pays the debt back when
    prices fall)."""
    me = v.me
    room = me.borrow_headroom_musd * borrow_share
    if math.isfinite(max_debt_years_of_ebitda):
        room = min(room, max(0.0, max_debt_years_of_ebitda * 4 * (me.ebitda_musd - me.outside_cash_flow_musd) - me.debt_musd))
    return room


def budget_musd(v: CompanyView, borrow_share: float, buffer_fraction: float, max_debt_years_of_ebitda: float = math.inf) -> float:
    """What it may spend this quarter: cash and the borrowing room it will draw on, less its
    buffer (a hair under, so rounded prices never overrun the engine's check)."""
    me = v.me
    return 0.995 * (me.cash_musd + borrowing_room_musd(v, borrow_share, max_debt_years_of_ebitda)) - buffer_musd(v, buffer_fraction)


def finance_orders(v: CompanyView, committed: float, *, borrow_share: float, buffer_fraction: float, repay_above_rate: float, max_debt_years_of_ebitda: float = math.inf) -> list:
    me = v.me
    buffer = buffer_musd(v, buffer_fraction)
    spare = me.cash_musd - committed
    out: list = []
    room = borrowing_room_musd(v, borrow_share, max_debt_years_of_ebitda)
    if spare < buffer and room > 1:
        amount = cents(min(room, buffer - spare))
        if amount > 0:
            out.append(o.Borrow(amount))
    elif spare > 3 * buffer and me.debt_musd > 0 and me.debt_rate > repay_above_rate:
        amount = cents(min(me.debt_musd, spare - 2 * buffer))
        if amount > 0:
            out.append(o.Repay(amount))
    if (me.distress_quarters > 0 or me.covenant_breached) and me.book_equity_musd > 0:
        amount = cents(min(me.book_equity_musd * v.scenario.rules.equity_raise_max_fraction, max(-me.cash_musd, 0) + buffer))
        if amount > 0:
            out.append(o.RaiseEquity(amount))
    return out
