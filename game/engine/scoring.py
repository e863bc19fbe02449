"""Scoring and the end-of-game result (GAME.md §5)."""

from __future__ import annotations

from typing import Any

from attrs import frozen

from ..model.state import ONLINE, Company
from .core import GameCore


@frozen
class CompanyResult:
    id: str
    name: str
    archetype: str
    agent: str
    rank: int
    score: float  # final equity value × founders' ownership ÷ starting equity; 0 if bankrupt
    equity_value_musd: float
    bankrupt: bool
    bankrupt_quarter: str
    online_mw: float
    capacity_h100e: float
    share_h100e: float
    utilisation: float  # mean over the quarters it had capacity
    cash_musd: float
    debt_musd: float
    ownership: float
    revenue_musd: float
    return_on_capital: float
    power_mw_held: float
    start_power_mw: float
    first_power_mw: float  # MW of power it held by the end of year one (secured early)


@frozen
class GameResult:
    scenario: str
    seed: int
    quarters_played: int
    final_quarter: str
    price_index: float
    standings: tuple[CompanyResult, ...]
    bankruptcies: int
    decisive: tuple[str, ...]


def backlog_musd(g: GameCore, c: Company) -> float:
    h = g.spec.rules.hours_per_quarter
    return sum(k.h100e * k.price_usd_per_h100e_hour * h * k.quarters_left / 1e6 for k in c.contracts)


def equity_value(g: GameCore, c: Company) -> float:
    """Cash − debt + assets (at depreciated book) + the margin of contracted backlog."""
    return g.book_equity(c) + backlog_musd(g, c) * g.spec.scoring.backlog_margin_fraction


def score(g: GameCore, c: Company) -> float:
    if not c.alive:
        return 0.0
    base = c.starting_equity_musd
    return max(0.0, equity_value(g, c)) * c.ownership / base if base > 0 else 0.0


def game_result(g: GameCore, stats: dict[str, Any], agents: dict[str, str]) -> GameResult:
    comps = list(g.world.companies.values())
    total_h = sum(c.capacity_h100e for c in comps if c.alive) or 1.0
    rows = []
    for c in comps:
        st = stats.get(c.id, {})
        util = st.get("util_sum", 0.0) / st["util_n"] if st.get("util_n") else 0.0
        eq = equity_value(g, c) if c.alive else 0.0
        invested = max(1e-9, c.starting_equity_musd + c.debt_musd)
        rows.append(
            dict(
                id=c.id,
                name=c.name,
                archetype=c.archetype,
                agent=agents.get(c.id, ""),
                score=round(score(g, c), 6),
                equity_value_musd=round(eq, 3),
                bankrupt=not c.alive,
                bankrupt_quarter=g.label(c.bankrupt_quarter) if not c.alive else "",
                online_mw=sum(s.mw for s in c.sites if s.stage == ONLINE),
                capacity_h100e=round(c.capacity_h100e, 1) if c.alive else 0.0,
                share_h100e=round(c.capacity_h100e / total_h, 4) if c.alive else 0.0,
                utilisation=round(util, 4),
                cash_musd=round(c.cash_musd, 3),
                debt_musd=round(c.debt_musd, 3),
                ownership=round(c.ownership, 4),
                revenue_musd=round(c.cum_revenue_musd, 3),
                return_on_capital=round((eq - c.starting_equity_musd) / invested, 4) if c.alive else -1.0,
                power_mw_held=sum(p.mw for p in c.power),
                start_power_mw=st.get("start_power_mw", 0.0),
                first_power_mw=st.get("early_power_mw", 0.0),
            )
        )
    # rank by score, then by equity value; ties by id so the order is total
    rows.sort(key=lambda r: (-r["score"], -r["equity_value_musd"], r["id"]))
    standings = tuple(CompanyResult(rank=i + 1, **r) for i, r in enumerate(rows))
    return GameResult(
        scenario=g.spec.game.name,
        seed=g.seed,
        quarters_played=g.q,
        final_quarter=g.label(max(0, g.q - 1)),
        price_index=round(g.world.price_index, 4),
        standings=standings,
        bankruptcies=sum(1 for c in comps if not c.alive),
        decisive=tuple(_decisive(g, standings)),
    )


def _decisive(g: GameCore, standings: tuple[CompanyResult, ...]) -> list[str]:
    """A few plain lines on what decided the game, read off the results."""
    out = []
    win = standings[0]
    out.append(f"{win.name} ({win.archetype}) won with {win.score:.2f}× its starting equity and {win.share_h100e:.0%} of online H100e.")
    alive = [r for r in standings if not r.bankrupt]
    if len(standings) >= 3:
        # power held by the end of year one, against what each had online when the game ended
        early = sorted(standings, key=lambda r: (-r.first_power_mw, r.id))
        rho = rank_correlation([r.first_power_mw for r in standings], [r.online_mw for r in standings])
        by_online = {r.id: i + 1 for i, r in enumerate(sorted(standings, key=lambda r: (-r.online_mw, r.id)))}
        out.append(
            "Power held at the end of year one: "
            + ", ".join(f"{r.name} {r.first_power_mw:,.0f} MW (#{by_online[r.id]} online at the end)" for r in early[:3])
            + f"; rank correlation with MW online at the end {rho:+.2f}."
        )
    busts = [r for r in standings if r.bankrupt]
    if busts:
        out.append("Bankrupt: " + ", ".join(f"{r.name} in {r.bankrupt_quarter}" for r in busts) + ".")
    by_util = sorted(alive, key=lambda r: -r.utilisation)
    if by_util:
        arch = {}
        for r in alive:
            arch.setdefault(r.archetype, []).append(r.utilisation)
        parts = [f"{a}s {sum(v) / len(v):.0%}" for a, v in sorted(arch.items())]
        out.append("Mean utilisation: " + ", ".join(parts) + ".")
    return out


def rank_correlation(xs: list[float], ys: list[float]) -> float:
    """Spearman's rho (average ranks for ties)."""

    def ranks(v: list[float]) -> list[float]:
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2
            i = j + 1
        return r

    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx > 0 and vy > 0 else 0.0
