"""Statistics of a tournament's stored results: pure functions of numbers, no I/O and no UI.

The unit of every per-agent figure is a *play*: one agent in one seat of one finished game.
An agent seated twice in a game has two plays there, each with its own score and placing, so
`games` counts plays and the 1/k baseline is the mean of 1/k over them (k = companies in the
game). `distinct_games` counts games the agent took part in at all.

Definitions where the issue leaves a choice (the README repeats them):
- a win is rank 1; the win-rate interval is Wilson's score interval at 95 %;
- the score interval is a percentile bootstrap of the mean, drawn from a numpy Generator with a
  fixed seed, so the same file always gives the same report;
- quantiles use numpy's default (linear interpolation between order statistics);
- the pairwise matrix compares seats: in a game, each seat of A against each seat of B (A ≠ B)
  is one comparison; A's share is the fraction of those A placed above B (a tie counts half).
  Two seats of the same agent are never compared with each other;
- seats are unequal (a hyperscaler seat starts richer than a neo-cloud seat), so every play is
  also judged against its seat: its *seat-relative score* is its score minus the mean score of
  that company over all plays in the file (the same design), and its *expected win rate* is
  the mean, over its plays, of the win rate of the companies it sat at. An agent is good if its
  seat-relative score is above 0 and its win rate above its expected one;
- ratings per archetype: the same openskill model run once per archetype over only the seats
  of that archetype (each game ranks those seats among themselves), so a strategy is rated
  against the others that could have sat in its chair, never against a richer seat;
- paired comparisons: games with the same seed whose seats differ at exactly one company (the
  `paired` seating) give, at that company, a difference of two agents' scores on common random
  numbers; its interval is compared with the unpaired one from all plays at that company;
- ratings are openskill's Plackett–Luce model, one update per finished game in game-index order,
  every seat a one-player team ranked by its placing. An agent with several seats in a game
  enters each of them with its current rating; its new rating is the mean of the updated μ and
  σ of its seats (each seat is evidence about the same strategy, none counts double).
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Iterable, Sequence

import numpy as np
from attrs import frozen

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20_240_517  # fixed: reports are deterministic
_BOOTSTRAP_CELLS = 4_000_000  # resample in chunks of about this many draws, to bound memory


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson's score interval for a binomial proportion; (0, 1) when there are no trials."""
    if trials <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be between 0 and {trials}, got {successes}")
    z = _z(confidence)
    p = successes / trials
    z2n = z * z / trials
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * np.sqrt(p * (1 - p) / trials + z2n / (4 * trials)) / (1 + z2n)
    lo = 0.0 if successes == 0 else max(0.0, float(centre - half))  # exact at the ends, not 1e-17 off
    hi = 1.0 if successes == trials else min(1.0, float(centre + half))
    return lo, hi


def bootstrap_mean_ci(
    values: Sequence[float] | np.ndarray,
    confidence: float = CONFIDENCE,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean, from a Generator seeded with `seed`."""
    x = np.asarray(values, dtype=float)
    n = x.size
    if n == 0:
        return float("nan"), float("nan")
    if n == 1 or np.all(x == x[0]):
        return float(x[0]), float(x[0])
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    chunk = max(1, _BOOTSTRAP_CELLS // n)
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        means[start:stop] = x[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return float(lo), float(hi)


@frozen
class Plays:
    """One row per (finished game, seat), sorted by game index then seat."""

    idx: np.ndarray  # int: game index
    seat: np.ndarray  # int: seat number in scenario order
    company: np.ndarray  # str
    agent: np.ndarray  # str: the agent spec as seated
    archetype: np.ndarray  # str: the company's archetype
    score: np.ndarray  # float
    rank: np.ndarray  # int, 1 = best
    bankrupt: np.ndarray  # bool
    k: np.ndarray  # int: companies in that game

    @classmethod
    def from_rows(cls, rows: Iterable[tuple]) -> "Plays":
        """Rows of (idx, company, seat, agent, archetype, score, rank, bankrupt)."""
        rows = sorted(rows, key=lambda r: (int(r[0]), int(r[2]), str(r[1])))
        cols = list(zip(*rows)) if rows else [()] * 8
        idx = np.array(cols[0], dtype=np.int64)
        _, inverse, counts = np.unique(idx, return_inverse=True, return_counts=True)
        return cls(
            idx=idx,
            seat=np.array(cols[2], dtype=np.int64),
            company=np.array(cols[1], dtype=object),
            agent=np.array(cols[3], dtype=object),
            archetype=np.array(cols[4], dtype=object),
            score=np.array(cols[5], dtype=float),
            rank=np.array(cols[6], dtype=np.int64),
            bankrupt=np.array(cols[7], dtype=bool),
            k=counts[inverse].astype(np.int64) if idx.size else np.zeros(0, dtype=np.int64),
        )

    def __len__(self) -> int:
        return int(self.idx.size)

    def agents(self) -> list[str]:
        return sorted(set(self.agent.tolist()))

    def games(self) -> Iterable[np.ndarray]:
        """Row positions of each game, in game-index order."""
        if not len(self):
            return
        starts = np.flatnonzero(np.r_[True, self.idx[1:] != self.idx[:-1]])
        yield from np.split(np.arange(len(self)), starts[1:])


def outcomes(p: Plays, mask: np.ndarray) -> dict:
    """Plays, wins, win rate, mean score, mean placing and bankruptcy rate of the selected plays."""
    n = int(mask.sum())
    wins = int((p.rank[mask] == 1).sum())
    return {
        "games": n,
        "wins": wins,
        "win_rate": wins / n if n else 0.0,
        "baseline_win_rate": float(np.mean(1.0 / p.k[mask])) if n else 0.0,
        "mean_score": float(p.score[mask].mean()) if n else 0.0,
        "mean_rank": float(p.rank[mask].mean()) if n else 0.0,
        "bankruptcies": int(p.bankrupt[mask].sum()),
        "bankruptcy_rate": float(p.bankrupt[mask].mean()) if n else 0.0,
    }


def agent_summary(p: Plays, agent: str) -> dict:
    """Everything the report says about one agent."""
    mask = p.agent == agent
    out = outcomes(p, mask)
    out["distinct_games"] = int(np.unique(p.idx[mask]).size)
    out["win_ci_low"], out["win_ci_high"] = wilson_interval(out["wins"], out["games"])
    scores = p.score[mask]
    out["score_ci_low"], out["score_ci_high"] = bootstrap_mean_ci(scores)
    if scores.size:
        out["median_score"], out["p10_score"], out["p90_score"] = (float(v) for v in np.quantile(scores, [0.5, 0.1, 0.9]))
    else:
        out["median_score"] = out["p10_score"] = out["p90_score"] = 0.0
    return out


def by_group(p: Plays, *keys: str) -> list[dict]:
    """Outcomes for each distinct combination of the named columns (e.g. 'seat', or 'archetype', 'agent')."""
    cols = [getattr(p, key) for key in keys]
    combos = sorted(set(zip(*(c.tolist() for c in cols))))
    out = []
    for combo in combos:
        mask = np.ones(len(p), dtype=bool)
        for col, value in zip(cols, combo):
            mask &= col == value
        row = dict(zip(keys, combo))
        if keys == ("seat",):  # seats follow scenario order, so each names one company
            row["company"] = "/".join(sorted(set(p.company[mask].tolist())))
        out.append(row | outcomes(p, mask))
    return out


def pairwise(p: Plays) -> dict[tuple[str, str], dict]:
    """For each ordered pair of distinct agents: seat comparisons, how many A won, A's share, games together."""
    above: dict[tuple[str, str], float] = {}
    comparisons: dict[tuple[str, str], int] = {}
    together: dict[tuple[str, str], int] = {}
    for rows in p.games():
        agents, ranks = p.agent[rows].tolist(), p.rank[rows].tolist()
        met = set()
        for i, (a, ra) in enumerate(zip(agents, ranks)):
            for b, rb in zip(agents, ranks):
                if a == b:
                    continue
                key = (a, b)
                comparisons[key] = comparisons.get(key, 0) + 1
                above[key] = above.get(key, 0.0) + (1.0 if ra < rb else 0.5 if ra == rb else 0.0)
                met.add(key)
        for key in met:
            together[key] = together.get(key, 0) + 1
    return {
        key: {"above": above[key], "comparisons": n, "share_above": above[key] / n, "games_together": together[key]}
        for key, n in sorted(comparisons.items())
    }


def ratings(p: Plays) -> list[dict]:
    """openskill Plackett–Luce ratings after every finished game in index order, best ordinal first."""
    from openskill.models import PlackettLuce

    model = PlackettLuce()
    current = {a: model.rating(name=a) for a in p.agents()}
    played = {a: 0 for a in current}
    for rows in p.games():
        agents, ranks = p.agent[rows].tolist(), p.rank[rows].tolist()
        if len(agents) < 2:
            continue
        seen: set[str] = set()
        teams = []
        for a in agents:  # a second seat of an agent gets its own copy of the rating
            teams.append([current[a] if a not in seen else model.create_rating([current[a].mu, current[a].sigma], name=a)])
            seen.add(a)
        seats: dict[str, list] = {}
        for a, (r,) in zip(agents, model.rate(teams, ranks=ranks)):
            seats.setdefault(a, []).append(r)
        for a, rs in seats.items():
            current[a] = rs[0] if len(rs) == 1 else model.create_rating([sum(r.mu for r in rs) / len(rs), sum(r.sigma for r in rs) / len(rs)], name=a)
            played[a] += 1
    out = [{"agent": a, "mu": r.mu, "sigma": r.sigma, "ordinal": r.ordinal(), "games": played[a]} for a, r in current.items()]
    out.sort(key=lambda d: (-d["ordinal"], d["agent"]))
    return out


def extreme_games(p: Plays, most_bankruptcies: int = 3) -> list[dict]:
    """Each agent's best and worst game by score, and the games with the most bankruptcies (ties: lowest index)."""
    out = []
    for a in p.agents():
        pos = np.flatnonzero(p.agent == a)
        order = np.lexsort((p.idx[pos], -p.score[pos]))  # best score, then lowest index
        best = pos[order[0]]
        worst_order = np.lexsort((p.idx[pos], p.score[pos]))
        worst = pos[worst_order[0]]
        out.append({"kind": "best score", "agent": a, "idx": int(p.idx[best]), "score": float(p.score[best]), "rank": int(p.rank[best])})
        out.append({"kind": "worst score", "agent": a, "idx": int(p.idx[worst]), "score": float(p.score[worst]), "rank": int(p.rank[worst])})
    per_game = [(int(p.bankrupt[rows].sum()), int(p.idx[rows[0]])) for rows in p.games()]
    per_game = sorted((g for g in per_game if g[0] > 0), key=lambda g: (-g[0], g[1]))[:most_bankruptcies]
    for count, idx in per_game:
        out.append({"kind": "most bankruptcies", "agent": "", "idx": idx, "bankruptcies": count})
    return out


MIN_COMPARISONS = 30  # a pairwise cell resting on fewer comparisons is flagged in the report


def subset(p: Plays, mask: np.ndarray) -> Plays:
    """The selected rows (game sizes k kept from the full games)."""
    return Plays(idx=p.idx[mask], seat=p.seat[mask], company=p.company[mask], agent=p.agent[mask], archetype=p.archetype[mask], score=p.score[mask], rank=p.rank[mask], bankrupt=p.bankrupt[mask], k=p.k[mask])


def seat_baselines(p: Plays) -> tuple[np.ndarray, np.ndarray]:
    """Per play: the mean score and the win rate of its company over every play in the file."""
    mean = np.zeros(len(p))
    wins = np.zeros(len(p))
    for company in set(p.company.tolist()):
        m = p.company == company
        mean[m] = p.score[m].mean()
        wins[m] = (p.rank[m] == 1).mean()
    return mean, wins


def seat_relative(p: Plays) -> list[dict]:
    """Per (archetype, agent): seat-relative score with a bootstrap interval, and win rate
    against the expected win rate of the seats it sat in (Wilson interval on the win rate)."""
    mean, base = seat_baselines(p)
    out = []
    for arch, agent in sorted(set(zip(p.archetype.tolist(), p.agent.tolist()))):
        m = (p.archetype == arch) & (p.agent == agent)
        rel = p.score[m] - mean[m]
        wins = int((p.rank[m] == 1).sum())
        lo, hi = bootstrap_mean_ci(rel)
        wlo, whi = wilson_interval(wins, int(m.sum()))
        out.append({
            "archetype": arch, "agent": agent, "plays": int(m.sum()),
            "seat_relative_score": float(rel.mean()), "relative_ci_low": lo, "relative_ci_high": hi,
            "win_rate": wins / int(m.sum()), "win_ci_low": wlo, "win_ci_high": whi,
            "expected_win_rate": float(base[m].mean()),
        })
    return out


def archetype_ratings(p: Plays) -> list[dict]:
    """openskill ratings per archetype, each game ranking only that archetype's seats."""
    out = []
    for arch in sorted(set(p.archetype.tolist())):
        for r in ratings(subset(p, p.archetype == arch)):
            out.append({"archetype": arch} | r)
    return out


def meeting_warnings(p: Plays, pairs: dict[tuple[str, str], dict]) -> list[str]:
    """Pairs of agents that never shared a game, and pairwise cells on too few comparisons."""
    agents = p.agents()
    out = []
    never = [(a, b) for i, a in enumerate(agents) for b in agents[i + 1 :] if (a, b) not in pairs]
    if never:
        shown = ", ".join(f"{a} & {b}" for a, b in never[:6])
        out.append(f"{len(never)} pairs of agents never met in a game ({shown}{', …' if len(never) > 6 else ''}): their pairwise cells are empty; the random or round-robin seating makes every pair meet")
    thin = sorted((a, b) for (a, b), v in pairs.items() if a < b and v["comparisons"] < MIN_COMPARISONS)
    if thin:
        shown = ", ".join(f"{a} & {b} ({pairs[a, b]['comparisons']})" for a, b in thin[:6])
        out.append(f"{len(thin)} pairwise cells rest on fewer than {MIN_COMPARISONS} comparisons ({shown}{', …' if len(thin) > 6 else ''}): read them as anecdotes")
    return out


def paired_comparisons(p: Plays, seeds: dict[int, int]) -> list[dict]:
    """Per (archetype, agent A, agent B) with A < B: the mean paired difference A − B over game
    pairs that share a seed and differ at exactly one company (A there in one game, B in the
    other), with its bootstrap interval; beside it the unpaired estimate from every play
    (difference of the two agents' seat-relative scores, normal interval), and how many times
    narrower a paired comparison is per game played: sqrt((var A + var B) ÷ var(A − B))."""
    mean, _ = seat_baselines(p)
    rel = p.score - mean
    by_seed: dict[int, list[int]] = {}
    games = {}
    for rows in p.games():
        idx = int(p.idx[rows[0]])
        games[idx] = rows
        by_seed.setdefault(seeds.get(idx, -1 - idx), []).append(idx)
    diffs: dict[tuple[str, str, str], list[float]] = {}
    for idxs in by_seed.values():
        for i, x in enumerate(idxs):
            for y in idxs[i + 1 :]:
                rx, ry = games[x], games[y]
                sx = dict(zip(p.company[rx].tolist(), zip(p.agent[rx].tolist(), p.score[rx].tolist(), p.archetype[rx].tolist())))
                sy = dict(zip(p.company[ry].tolist(), zip(p.agent[ry].tolist(), p.score[ry].tolist(), p.archetype[ry].tolist())))
                changed = [c for c in sx if c in sy and sx[c][0] != sy[c][0]]
                if len(changed) != 1 or set(sx) != set(sy):
                    continue
                c = changed[0]
                (a, va, arch), (b, vb, _) = sorted([sx[c], sy[c]])
                diffs.setdefault((arch, a, b), []).append(va - vb)
    out = []
    z = _z(CONFIDENCE)
    for (arch, a, b), d in sorted(diffs.items()):
        lo, hi = bootstrap_mean_ci(d)
        xa = rel[(p.archetype == arch) & (p.agent == a)]
        xb = rel[(p.archetype == arch) & (p.agent == b)]
        spread = float(xa.var(ddof=1) + xb.var(ddof=1)) if xa.size > 1 and xb.size > 1 else float("nan")
        half = z * float(np.sqrt(xa.var(ddof=1) / xa.size + xb.var(ddof=1) / xb.size)) if xa.size > 1 and xb.size > 1 else float("nan")
        vd = float(np.var(d, ddof=1)) if len(d) > 1 else float("nan")
        out.append({
            "archetype": arch, "agent": a, "versus": b, "pairs": len(d), "mean_difference": float(np.mean(d)),
            "paired_ci_low": lo, "paired_ci_high": hi,
            "unpaired_difference": float(xa.mean() - xb.mean()) if xa.size and xb.size else float("nan"),
            "unpaired_half_width": half,
            "narrower_per_game": float(np.sqrt(spread / vd)) if vd > 0 and np.isfinite(spread) else float("nan"),
        })
    return out
