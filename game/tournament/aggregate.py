"""Simple per-agent and per-company outcomes of a results store, for sweeps and what-ifs.

The full statistics (intervals, ratings, pairwise) are `gridlock report`; these few numbers
are what a sweep compares across settings and what a what-if prints at its end."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from attrs import frozen

from .report import read_results
from .stats import Plays, by_group


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


def outcomes(path: str | Path, by: str = "agent") -> list[Outcomes]:
    """One line per agent (by='agent') or company (by='company'), over every 'ok' game stored,
    from the same snapshot and counting as `gridlock report`."""
    if by not in ("agent", "company"):
        raise ValueError(by)
    p = Plays.from_rows(read_results(path)["rows"])
    lines = []
    for row in by_group(p, by):
        scores = p.score[getattr(p, by) == row[by]]
        p10, median, p90 = (float(v) for v in np.quantile(scores, [0.1, 0.5, 0.9]))
        lines.append(Outcomes(row[by], row["games"], row["mean_score"], row["win_rate"], row["bankruptcy_rate"], p10, median, p90))
    return lines


def outcomes_table(lines: Sequence[Outcomes], title: str) -> str:
    width = max([len(title)] + [len(o.who) for o in lines])
    out = [f"{title:<{width}}  {'n':>6}  {'mean':>6}  {'p10':>6}  {'median':>6}  {'p90':>6}  {'win':>6}  {'bust':>6}"]
    for o in lines:
        out.append(f"{o.who:<{width}}  {o.games:>6}  {o.mean_score:>6.3f}  {o.p10:>6.3f}  {o.median:>6.3f}  {o.p90:>6.3f}  {o.win_rate:>6.1%}  {o.bankrupt_rate:>6.1%}")
    return "\n".join(out)
