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


def budget_musd(v: CompanyView, borrow_share: float, buffer_fraction: float) -> float:
    """What it may spend this quarter: cash and the share of its covenant headroom it will
    draw, less its buffer (a hair under, so rounded prices never overrun the engine's check)."""
    me = v.me
    return 0.995 * (me.cash_musd + me.borrow_headroom_musd * borrow_share) - buffer_musd(v, buffer_fraction)


def finance_orders(v: CompanyView, committed: float, *, borrow_share: float, buffer_fraction: float, repay_above_rate: float) -> list:
    me = v.me
    buffer = buffer_musd(v, buffer_fraction)
    spare = me.cash_musd - committed
    out: list = []
    if spare < buffer and me.borrow_headroom_musd > 1:
        amount = cents(min(me.borrow_headroom_musd * borrow_share, buffer - spare))
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
