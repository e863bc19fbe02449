"""Empirical game theory over agents: alpha-rank, replicator dynamics, dominance and best responses.

Pure functions of payoff tables, no games and no I/O (game/tournament/balance.py feeds them).
The meta-game has one *population* per archetype; a population picks one of its agents. The
payoff to population k of a profile s (one agent per population) is a polymatrix sum:

    u_k(s) = mean over the other populations j of H[k][j][s_k, s_j]

where H[k][j][a, b] is agent a's mean payoff in a k seat over the games in which agent b sat in
a j seat. A scenario with one archetype is played as two copies of it (row and column). The
methods follow Omidshafiei et al. 2019, "α-Rank: multi-agent evaluation by evolution"
(OpenSpiel's `alpharank`), and the standard multi-population replicator dynamics; our own code.
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np

ALPHA = 20.0  # ranking intensity, applied to payoffs divided by their spread (see `alpharank`)
POPULATION = 20  # m: individuals per population in the Moran process
REPLICATOR_STEPS = 3000
REPLICATOR_RATE = 0.05  # per step, on payoffs divided by their spread


Tables = Sequence[Sequence[np.ndarray]]  # H[k][j]: |S_k| x |S_j|


def _spread(H: Tables) -> float:
    """One scale for every payoff: the standard deviation of all table entries (1 if flat)."""
    vals = np.concatenate([np.ravel(H[k][j]) for k in range(len(H)) for j in range(len(H)) if j != k or len(H) == 1])
    vals = vals[np.isfinite(vals)]
    s = float(vals.std()) if vals.size else 0.0
    return s if s > 1e-12 else 1.0


def profile_payoff(H: Tables, k: int, profile: Sequence[int]) -> float:
    """u_k(s): the mean of population k's head-to-head payoffs against the others' choices."""
    K = len(H)
    if K == 1:  # one archetype: population 0 meets a copy of itself, profile (row, column)
        return float(H[0][0][profile[0], profile[1]])
    return float(np.mean([H[k][j][profile[k], profile[j]] for j in range(K) if j != k]))


def _populations(H: Tables) -> list[int]:
    sizes = [_size(H, k) for k in range(len(H))]
    return sizes if len(H) > 1 else sizes * 2


def _fixation(x: float, m: int) -> float:
    """Probability that one mutant with fitness advantage x (already times α) takes over a
    population of m: (1 − e^(−x)) / (1 − e^(−m x)), 1/m when neutral; stable for large |x|."""
    if abs(x) < 1e-12:
        return 1.0 / m
    if x > 0:
        return float(np.expm1(-x) / np.expm1(-m * x))
    y = -x
    return float(np.exp(-(m - 1) * y) * np.expm1(-y) / np.expm1(-m * y))


def alpharank(H: Tables, alpha: float = ALPHA, m: int = POPULATION) -> tuple[list[np.ndarray], np.ndarray, list[tuple[int, ...]]]:
    """Each population's marginal of α-Rank's stationary distribution, the distribution over
    profiles, and the profiles. Payoffs are divided by their spread first, so α means the same
    for any scale of score."""
    sizes = _populations(H)
    scale = _spread(H)
    profiles = list(itertools.product(*(range(n) for n in sizes)))
    index = {p: i for i, p in enumerate(profiles)}
    n = len(profiles)
    eta = 1.0 / max(1, sum(s - 1 for s in sizes))
    C = np.zeros((n, n))
    K = len(sizes)
    for i, s in enumerate(profiles):
        for k in range(K):
            pk = 0 if len(H) == 1 else k  # with one archetype both populations use its table
            resident = profile_payoff(H, pk, s if len(H) > 1 else (s[k], s[1 - k]))
            for t in range(sizes[k]):
                if t == s[k]:
                    continue
                mutant_profile = s[:k] + (t,) + s[k + 1 :]
                mutant = profile_payoff(H, pk, mutant_profile if len(H) > 1 else (mutant_profile[k], mutant_profile[1 - k]))
                C[i, index[mutant_profile]] = eta * _fixation(alpha * (mutant - resident) / scale, m)
        C[i, i] = 1.0 - C[i].sum()
    # stationary distribution: the left eigenvector of C for eigenvalue 1, by power iteration on
    # a lazy chain (always aperiodic) then a least-squares polish
    pi = np.full(n, 1.0 / n)
    lazy = 0.5 * (C + np.eye(n))
    for _ in range(20000):
        nxt = pi @ lazy
        if np.abs(nxt - pi).max() < 1e-13:
            pi = nxt
            break
        pi = nxt
    pi = np.clip(pi, 0, None)
    pi /= pi.sum()
    marginals = []
    for k in range(len(sizes) if len(H) > 1 else 1):
        marg = np.zeros(sizes[k])
        for p, w in zip(profiles, pi):
            marg[p[k]] += w
        marginals.append(marg)
    return marginals, pi, profiles


def expected_payoffs(H: Tables, mixtures: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Each population's payoff per pure strategy against the others' mixtures (polymatrix)."""
    K = len(H)
    if K == 1:
        return [H[0][0] @ mixtures[0]]
    return [np.mean([H[k][j] @ mixtures[j] for j in range(K) if j != k], axis=0) for k in range(K)]


def replicator(H: Tables, steps: int = REPLICATOR_STEPS, rate: float = REPLICATOR_RATE) -> list[np.ndarray]:
    """Multi-population replicator dynamics (exponential-weights form) from the uniform mixture;
    returns the time-average over the second half of the run, which settles on an equilibrium
    even where the dynamics cycle around one (e.g. matching pennies)."""
    scale = _spread(H)
    x = [np.full(_size(H, k), 1.0 / _size(H, k)) for k in range(len(H))]
    total = [np.zeros_like(v) for v in x]
    for step in range(steps):
        u = expected_payoffs(H, x)
        for k in range(len(H)):
            w = x[k] * np.exp(rate * (u[k] - u[k].max()) / scale)
            x[k] = w / w.sum()
        if step >= steps // 2:
            for k in range(len(H)):
                total[k] += x[k]
    return [t / t.sum() for t in total]


def _size(H: Tables, k: int) -> int:
    return H[k][1 if k == 0 else 0].shape[0] if len(H) > 1 else H[0][0].shape[0]


def opponent_payoffs(H: Tables, k: int) -> np.ndarray:
    """Population k's payoff table against every profile of the others: |S_k| x (profiles)."""
    K = len(H)
    if K == 1:
        return np.asarray(H[0][0])
    others = [j for j in range(K) if j != k]
    cols = list(itertools.product(*(range(_size(H, j)) for j in others)))
    out = np.empty((_size(H, k), len(cols)))
    for c, choice in enumerate(cols):
        for a in range(_size(H, k)):
            out[a, c] = np.mean([H[k][j][a, b] for j, b in zip(others, choice)])
    return out


def dominated(table: np.ndarray) -> list[tuple[int, int]]:
    """(a, by) where strategy `by` pays strictly more than `a` against every opponent choice."""
    n = table.shape[0]
    return [(a, b) for a in range(n) for b in range(n) if a != b and np.all(table[b] > table[a])]


def best_responses(table: np.ndarray) -> list[int]:
    """For each opponent choice (column), the strategy that pays most (lowest index on ties)."""
    return [int(np.argmax(table[:, c])) for c in range(table.shape[1])]
