"""Simple per-agent and per-company outcomes straight from a results store, in plain SQL.

The full statistics (intervals, ratings, pairwise) are `gridlock report`; these few numbers
are what a sweep compares across settings and what a what-if prints at its end."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from attrs import frozen

from .store import open_existing


@frozen
class Outcomes:
    who: str  # agent spec, or company id for a what-if
    games: int
    mean_score: float
    win_rate: float
    bankrupt_rate: float
    p10: float
    median: float
    p90: float


def _quantile(xs: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default method)."""
    if not xs:
        return float("nan")
    pos = q * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def outcomes(path: str | Path, by: str = "agent") -> list[Outcomes]:
    """One line per agent (by='agent') or company (by='company'), over every 'ok' game stored."""
    if by not in ("agent", "company"):
        raise ValueError(by)
    db = open_existing(path)
    try:
        scores: dict[str, list[float]] = {}
        for who, score in db.execute(f"SELECT {by}, score FROM results ORDER BY {by}, score"):
            scores.setdefault(who, []).append(score)
        rows = db.execute(f"SELECT {by}, COUNT(*), AVG(score), AVG(rank = 1), AVG(bankrupt) FROM results GROUP BY {by} ORDER BY {by}").fetchall()
    finally:
        db.close()
    return [Outcomes(w, n, m, win, bust, _quantile(scores[w], 0.1), _quantile(scores[w], 0.5), _quantile(scores[w], 0.9)) for w, n, m, win, bust in rows]


def outcomes_table(lines: Sequence[Outcomes], title: str) -> str:
    width = max([len(title)] + [len(o.who) for o in lines])
    out = [f"{title:<{width}}  {'n':>6}  {'mean':>6}  {'p10':>6}  {'median':>6}  {'p90':>6}  {'win':>6}  {'bust':>6}"]
    for o in lines:
        out.append(f"{o.who:<{width}}  {o.games:>6}  {o.mean_score:>6.3f}  {o.p10:>6.3f}  {o.median:>6.3f}  {o.p90:>6.3f}  {o.win_rate:>6.1%}  {o.bankrupt_rate:>6.1%}")
    return "\n".join(out)
