"""`gridlock balance`: the empirical meta-game of the agents in a scenario, and flags for degenerate play.

Games are seated with the random design (schedule.py): game i draws its line-up from the seed
and i, each agent at most once per game where its archetype has enough agents, so every pair
meets. Each play is judged against its seat: its payoff is its score minus the mean score of
that company over all games of the run (the seat-relative score), so a hyperscaler seat's
outside cash does not count as skill. From the plays:

- the payoff table: each agent's mean score at each company;
- H[k][j][a, b]: agent a's mean seat-relative score in archetype-k seats over the games in
  which agent b sat in an archetype-j seat (meta.py turns these into a meta-game);
- an equilibrium mixture per archetype by α-Rank and by replicator dynamics, each with a
  percentile interval from resampling the games (bootstrap);
- dominated strategies and best responses, on the mean payoffs;
- flags: an agent winning more than 40 % of its plays; `idle` not last of an archetype;
  `random` above a strategy; an order kind no equilibrium strategy uses; a parameter where
  more is always better across a sweep of agent specs (e.g. fortress:ambition=0.5,1,1.5).
"""

from __future__ import annotations

import html
import itertools
import math
from typing import Any, Sequence

import numpy as np
from attrs import define

from . import TournamentError, meta
from .lab import LabJob, play_many
from .schedule import SeatPlan, game_seed
from .stats import bootstrap_mean_ci

WIN_SHARE_FLAG = 0.40  # an agent winning more of its plays than this makes the game degenerate
SUPPORT = 0.05  # an agent with at least this much equilibrium mass "is played" at equilibrium
MIN_COMPARISONS = 30  # a payoff cell resting on fewer plays is flagged as thin
BOOTSTRAP_SEED = 20_261_207
IDLE, RANDOM = "idle", "random"


@define
class Balance:
    scenario: str
    games: int
    seed: int
    companies: list[str]
    archetypes: list[str]  # the populations, in scenario order of first appearance
    agents: dict[str, list[str]]  # archetype -> agents that sat there
    records: list[dict]
    payoff_table: list[dict]  # agent x company mean score and plays
    H: list[list[np.ndarray]]
    counts: list[list[np.ndarray]]
    by_agent: list[dict]  # per (archetype, agent): plays, win rate, seat-relative score, masses
    dominance: list[dict]
    best_responses: list[dict]
    flags: list[dict]
    warnings: list[str]
    order_kinds: dict[str, dict[str, int]]  # agent -> kind -> orders


# ---------------------------------------------------------------- from plays to payoffs


def _plays(records: Sequence[dict]) -> list[dict]:
    """Every play of the finished games, with its seat-relative score."""
    plays = [dict(s, idx=r["idx"]) for r in records if "standings" in r for s in r["standings"]]
    seat_mean: dict[str, float] = {}
    for company in {p["company"] for p in plays}:
        seat_mean[company] = float(np.mean([p["score"] for p in plays if p["company"] == company]))
    for p in plays:
        p["relative"] = p["score"] - seat_mean[p["company"]]
    return plays


def _game_cells(plays: list[dict], archetypes: list[str], agents: dict[str, list[str]]):
    """Per game: the (k, j, a, b) cells its plays add to, with the seat-relative scores summed,
    so H is sums ÷ counts and a bootstrap reweights whole games."""
    by_game: dict[int, list[dict]] = {}
    for p in plays:
        by_game.setdefault(p["idx"], []).append(p)
    K = len(archetypes)
    pos = {(k, a): i for k, arch in enumerate(archetypes) for i, a in enumerate(agents[arch])}
    games = sorted(by_game)
    cells: dict[tuple[int, int, int, int], int] = {}
    sums, counts = [], []
    for g in games:
        row_s: dict[int, float] = {}
        row_n: dict[int, int] = {}
        ps = by_game[g]
        for p in ps:
            k = archetypes.index(p["archetype"])
            a = pos[k, p["agent"]]
            for j in range(K):
                opponents = {q["agent"] for q in ps if q["archetype"] == archetypes[j] and q is not p}
                for b_agent in opponents:
                    if K > 1 and j == k:
                        continue  # the meta-game pits archetypes against each other (meta.py)
                    key = (k, j, a, pos[j, b_agent])
                    c = cells.setdefault(key, len(cells))
                    row_s[c] = row_s.get(c, 0.0) + p["relative"]
                    row_n[c] = row_n.get(c, 0) + 1
        sums.append(row_s)
        counts.append(row_n)
    S = np.zeros((len(games), len(cells)))
    N = np.zeros((len(games), len(cells)))
    for i, (rs, rn) in enumerate(zip(sums, counts)):
        for c, v in rs.items():
            S[i, c] = v
            N[i, c] = rn[c]
    return cells, S, N


def _tables(cells, s: np.ndarray, n: np.ndarray, archetypes: list[str], agents: dict[str, list[str]]):
    """H[k][j] (mean, NaN where no play) and the play counts behind each cell."""
    K = len(archetypes)
    size = [len(agents[a]) for a in archetypes]
    H = [[np.full((size[k], size[j]), np.nan) for j in range(K)] for k in range(K)]
    C = [[np.zeros((size[k], size[j])) for j in range(K)] for k in range(K)]
    for (k, j, a, b), c in cells.items():
        C[k][j][a, b] = n[c]
        if n[c] > 0:
            H[k][j][a, b] = s[c] / n[c]
    return H, C


def _filled(H):
    """Unobserved cells (an agent never met another, or itself) get the row's mean."""
    out = []
    for row in H:
        new = []
        for m in row:
            m = m.copy()
            for a in range(m.shape[0]):
                seen = m[a][np.isfinite(m[a])]
                m[a][~np.isfinite(m[a])] = seen.mean() if seen.size else 0.0
            new.append(m)
        out.append(new)
    return out


def equilibria(H) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(α-Rank marginals, replicator mixtures), one per archetype."""
    F = _filled(H)
    alpha, _, _ = meta.alpharank(F)
    return alpha, meta.replicator(F)


# ---------------------------------------------------------------- the flags


def _param_sweeps(agents: Sequence[str]) -> list[tuple[str, str, list[tuple[float, str]]]]:
    """(base agent, parameter, [(value, spec)]) for every family of specs that differ in one
    numeric parameter only, with at least three values."""
    parsed = []
    for a in agents:
        name, _, rest = a.partition(":")
        params = dict(p.split("=", 1) for p in rest.split(",") if "=" in p) if rest else {}
        parsed.append((name, params, a))
    out = []
    keys = sorted({(name, k) for name, params, _ in parsed for k in params})
    for name, key in keys:
        groups: dict[tuple, list[tuple[float, str]]] = {}
        for n, params, spec in parsed:
            if n != name or key not in params:
                continue
            try:
                value = float(params[key])
            except ValueError:
                continue
            rest = tuple(sorted((k, v) for k, v in params.items() if k != key))
            groups.setdefault(rest, []).append((value, spec))
        for members in groups.values():
            if len({v for v, _ in members}) >= 3:
                out.append((name, key, sorted(members)))
    return out


def _flags(by_agent: list[dict], order_kinds: dict[str, dict[str, int]], all_agents: Sequence[str]) -> list[dict]:
    from ..model.orders import ORDER_TYPES

    flags = []
    for r in by_agent:
        if r["win_rate"] > WIN_SHARE_FLAG:
            flags.append({"flag": "wins too often", "agent": r["agent"], "detail": f"wins {r['win_rate']:.1%} of its {r['plays']} plays as a {r['archetype']} (limit {WIN_SHARE_FLAG:.0%})"})
    for arch in sorted({r["archetype"] for r in by_agent}):
        rows = sorted((r for r in by_agent if r["archetype"] == arch), key=lambda r: r["relative"])
        idle = next((r for r in rows if r["agent"] == IDLE), None)
        if idle is not None and rows[0] is not idle:
            below = [r["agent"] for r in rows if r["relative"] < idle["relative"]]
            flags.append({"flag": "doing nothing is not last", "agent": IDLE, "detail": f"as a {arch}, idle ({idle['relative']:+.3f}) beats {', '.join(below)}"})
        rnd = next((r for r in rows if r["agent"] == RANDOM), None)
        if rnd is not None:
            beaten = [r for r in rows if r["agent"] not in (RANDOM, IDLE) and r["relative"] < rnd["relative"]]
            for r in beaten:
                sure = r["relative_ci"][1] < rnd["relative_ci"][0]
                flags.append({"flag": "random beats a strategy", "agent": r["agent"], "detail": f"as a {arch}, random {rnd['relative']:+.3f} vs {r['agent']} {r['relative']:+.3f}" + (" (intervals apart)" if sure else " (intervals overlap)")})
    support = {r["agent"] for r in by_agent if max(r["alpharank"], r["replicator"]) >= SUPPORT}
    used = {k for a in support for k, n in order_kinds.get(a, {}).items() if n > 0}
    for kind in ORDER_TYPES:
        if kind not in used:
            flags.append({"flag": "order kind unused at equilibrium", "agent": "", "detail": f"no strategy with equilibrium mass ≥ {SUPPORT:.0%} ({', '.join(sorted(support)) or 'none'}) gives `{kind}` orders"})
    relative = {r["agent"]: r["relative"] for r in by_agent}
    for name, key, members in _param_sweeps(all_agents):
        vals = [(v, relative[s]) for v, s in members if s in relative]
        if len(vals) >= 3 and all(b[1] > a[1] for a, b in zip(vals, vals[1:])):
            flags.append({"flag": "more is always better", "agent": name, "detail": f"{name}'s score rises with every step of {key} over {', '.join(f'{v:g}' for v, _ in vals)}"})
    return flags


# ---------------------------------------------------------------- the run


def analyse(records: Sequence[dict], scenario: str = "", games: int = 0, seed: int = 0, all_agents: Sequence[str] = (), bootstrap: int = 200) -> Balance:
    """Everything `gridlock balance` reports, from played games' records (lab.play_measured)."""
    plays = _plays(records)
    if not plays:
        raise TournamentError("no game finished, so there is nothing to analyse")
    companies = list(dict.fromkeys(p["company"] for p in sorted(plays, key=lambda p: p["seat"])))
    archetypes = list(dict.fromkeys(p["archetype"] for p in sorted(plays, key=lambda p: p["seat"])))
    agents = {arch: sorted({p["agent"] for p in plays if p["archetype"] == arch}) for arch in archetypes}
    cells, S, N = _game_cells(plays, archetypes, agents)
    H, C = _tables(cells, S.sum(axis=0), N.sum(axis=0), archetypes, agents)
    alpha, repl = equilibria(H)
    # bootstrap: resample whole games, recompute the tables and both equilibria
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    boot_a = [np.zeros((bootstrap, len(agents[a]))) for a in archetypes]
    boot_r = [np.zeros((bootstrap, len(agents[a]))) for a in archetypes]
    n_games = S.shape[0]
    for b in range(bootstrap):
        w = np.bincount(rng.integers(0, n_games, n_games), minlength=n_games).astype(float)
        Hb, _ = _tables(cells, w @ S, w @ N, archetypes, agents)
        ab, rb = equilibria(Hb)
        for k in range(len(archetypes)):
            boot_a[k][b], boot_r[k][b] = ab[k], rb[k]

    def ci(samples: np.ndarray) -> list[float]:
        if samples.shape[0] == 0:
            return [math.nan, math.nan]
        return [float(x) for x in np.quantile(samples, [0.025, 0.975])]

    order_kinds: dict[str, dict[str, int]] = {}
    for r in records:
        for cid, kinds in r.get("orders", {}).items():
            agent = r["seats"][cid]
            mine = order_kinds.setdefault(agent, {})
            for kind, n in kinds.items():
                mine[kind] = mine.get(kind, 0) + n
    by_agent = []
    for k, arch in enumerate(archetypes):
        for i, a in enumerate(agents[arch]):
            mine = [p for p in plays if p["archetype"] == arch and p["agent"] == a]
            rel = [p["relative"] for p in mine]
            by_agent.append({
                "archetype": arch,
                "agent": a,
                "plays": len(mine),
                "win_rate": sum(p["rank"] == 1 for p in mine) / len(mine),
                "mean_score": float(np.mean([p["score"] for p in mine])),
                "relative": float(np.mean(rel)),
                "relative_ci": list(bootstrap_mean_ci(rel)),
                "alpharank": float(alpha[k][i]),
                "alpharank_ci": ci(boot_a[k][:, i]),
                "replicator": float(repl[k][i]),
                "replicator_ci": ci(boot_r[k][:, i]),
            })
    warnings = []
    F = _filled(H)
    dominance, responses = [], []
    for k, arch in enumerate(archetypes):
        others = [j for j in range(len(archetypes)) if j != k] or [k]
        for j in others:
            thin = [(agents[arch][a], agents[archetypes[j]][b]) for a in range(C[k][j].shape[0]) for b in range(C[k][j].shape[1]) if C[k][j][a, b] < MIN_COMPARISONS and agents[arch][a] != agents[archetypes[j]][b]]
            never = [(x, y) for x, y in thin if C[k][j][agents[arch].index(x), agents[archetypes[j]].index(y)] == 0]
            if never:
                warnings.append(f"{len(never)} pairs never met ({arch} agent vs {archetypes[j]} agent), e.g. {never[0][0]} vs {never[0][1]}: their payoff is filled with the row mean")
            if len(thin) > len(never):
                warnings.append(f"{len(thin) - len(never)} {arch}-vs-{archetypes[j]} payoff cells rest on fewer than {MIN_COMPARISONS} plays: play more games")
        table = meta.opponent_payoffs(F, k)
        for a, by in meta.dominated(table):
            dominance.append({"archetype": arch, "agent": agents[arch][a], "dominated_by": agents[arch][by]})
        if len(archetypes) > 1:
            opp = [archetypes[j] for j in others]
            cols = list(itertools.product(*(agents[o] for o in opp)))
            for c, best in zip(cols, meta.best_responses(table)):
                responses.append({"archetype": arch, "against": " + ".join(c), "best_response": agents[arch][best], "payoff": float(table[best, cols.index(c)])})
    for arch in archetypes:  # a dominating strategy dominates every other agent of its archetype
        for a in agents[arch]:
            beaten = {d["agent"] for d in dominance if d["archetype"] == arch and d["dominated_by"] == a}
            if len(agents[arch]) > 1 and beaten == set(agents[arch]) - {a}:
                dominance.append({"archetype": arch, "agent": "every other agent", "dominated_by": a})
    payoff_table = []
    for arch in archetypes:
        for a in agents[arch]:
            row: dict[str, Any] = {"archetype": arch, "agent": a}
            for company in companies:
                xs = [p["score"] for p in plays if p["agent"] == a and p["company"] == company and p["archetype"] == arch]
                row[company] = (float(np.mean(xs)), len(xs)) if xs else None
            payoff_table.append(row)
    flags = _flags(by_agent, order_kinds, all_agents or [a for arch in archetypes for a in agents[arch]])
    return Balance(scenario, games, seed, companies, archetypes, agents, list(records), payoff_table, H, C, by_agent, dominance, responses, flags, warnings, order_kinds)


def run_balance(scenario: str, games: int, seed: int = 0, agents: Sequence[str] = (), workers: int = 2, bootstrap: int = 200, progress=None) -> Balance:
    """Seat the agents at random (schedule.py's design), play, and analyse."""
    from ..agents import REGISTRY
    from ..scenario import ScenarioError, load_scenario

    if not 1 <= games <= 10**7:
        raise TournamentError(f"--games must be between 1 and 10^7, got {games}")
    try:
        spec = load_scenario(scenario)
    except ScenarioError as e:
        raise TournamentError("the scenario has problems:\n" + "\n".join(f"  {p}" for p in e.problems)) from None
    agents = tuple(agents) or tuple(sorted(a for a, info in REGISTRY.items() if any(info.plays(c.archetype) for c in spec.companies.values())))
    plan = SeatPlan(spec, agents, "random", seed)
    tasks = [(i, game_seed(seed, i), plan.seats(i)) for i in range(games)]
    records = play_many(LabJob(scenario, (), (), orders=True), tasks, workers, progress)
    errors = [r for r in records if "error" in r]
    out = analyse(records, spec.source, games, seed, agents, bootstrap)
    if errors:
        out.warnings.insert(0, f"{len(errors)} games raised and are left out, e.g. game {errors[0]['idx']}: {errors[0]['error']}")
    return out


# ---------------------------------------------------------------- output


def _f(v: float) -> str:
    return f"{v:+.3f}" if isinstance(v, float) and math.isfinite(v) else "—"


def _mass(v: float, ci: Sequence[float]) -> str:
    return f"{v:.2f} [{ci[0]:.2f}–{ci[1]:.2f}]" if all(math.isfinite(x) for x in ci) else f"{v:.2f}"


def balance_tables(b: Balance):
    lines = [f"{b.scenario}: {b.games} games from seed {b.seed}, agents drawn at random into the seats of their archetype", "Payoff = score − the mean score of that company over these games (seat-relative)."]
    tables = []
    tables.append((
        "Payoff table: mean score by company (plays)",
        ["archetype", "agent", *b.companies],
        [[r["archetype"], r["agent"], *(f"{r[c][0]:.3f} ({r[c][1]})" if r[c] else "" for c in b.companies)] for r in b.payoff_table],
    ))
    tables.append((
        "Equilibrium mixture per archetype (95% bootstrap intervals over games)",
        ["archetype", "agent", "plays", "win rate", "seat-relative", "95% CI", "α-Rank mass", "replicator mass"],
        [[r["archetype"], r["agent"], str(r["plays"]), f"{r['win_rate']:.1%}", _f(r["relative"]), f"{_f(r['relative_ci'][0])} – {_f(r['relative_ci'][1])}", _mass(r["alpharank"], r["alpharank_ci"]), _mass(r["replicator"], r["replicator_ci"])] for r in b.by_agent],
    ))
    K = len(b.archetypes)
    for k, arch in enumerate(b.archetypes):
        for j in [j for j in range(K) if j != k] or [k]:
            opp = b.agents[b.archetypes[j]]
            tables.append((
                f"Head to head: {arch} agent (row) seat-relative payoff when the column agent sits at a {b.archetypes[j]} seat",
                ["agent", *opp],
                [[a, *(_f(float(b.H[k][j][i, c])) for c in range(len(opp)))] for i, a in enumerate(b.agents[arch])],
            ))
    tables.append(("Dominated strategies (on mean payoffs against every opponent choice)", ["archetype", "agent", "dominated by"], [[d["archetype"], d["agent"], d["dominated_by"]] for d in b.dominance]))
    if b.best_responses:
        tables.append(("Best responses", ["archetype", "against", "best response", "payoff"], [[r["archetype"], r["against"], r["best_response"], _f(r["payoff"])] for r in b.best_responses]))
    tables.append(("Flags: degenerate play", ["flag", "agent", "detail"], [[f["flag"], f["agent"], f["detail"]] for f in b.flags]))
    notes = [f"warning: {w}" for w in b.warnings]
    return lines, tables, notes


def balance_json(b: Balance) -> dict:
    return {
        "scenario": b.scenario,
        "games": b.games,
        "seed": b.seed,
        "companies": b.companies,
        "archetypes": b.archetypes,
        "agents": b.agents,
        "payoff_table": [{k: (list(v) if isinstance(v, tuple) else v) for k, v in r.items()} for r in b.payoff_table],
        "head_to_head": [
            {"archetype": b.archetypes[k], "against": b.archetypes[j], "payoff": [[None if not math.isfinite(x) else float(x) for x in row] for row in b.H[k][j]], "plays": b.counts[k][j].astype(int).tolist()}
            for k in range(len(b.archetypes)) for j in range(len(b.archetypes)) if j != k or len(b.archetypes) == 1
        ],
        "by_agent": b.by_agent,
        "dominance": b.dominance,
        "best_responses": b.best_responses,
        "flags": b.flags,
        "warnings": b.warnings,
        "order_kinds": b.order_kinds,
    }


def _svg_bars(rows: list[dict], key: str, title: str) -> str:
    """A horizontal bar chart with interval whiskers, as inline SVG (no script, no links)."""
    h, left, width = 18, 170, 360
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 60}" height="{h * len(rows) + 40}" role="img" aria-label="{html.escape(title)}">']
    out.append(f'<text x="4" y="14" font-size="13" font-weight="bold">{html.escape(title)}</text>')
    for i, r in enumerate(rows):
        y = 24 + i * h
        v, (lo, hi) = r[key], r[key + "_ci"]
        out.append(f'<text x="4" y="{y + 12}" font-size="12">{html.escape(r["archetype"][:5])} {html.escape(r["agent"][:18])}</text>')
        out.append(f'<rect x="{left}" y="{y + 2}" width="{width * v:.1f}" height="{h - 6}" fill="#4a7ab5"/>')
        if math.isfinite(lo) and math.isfinite(hi):
            out.append(f'<line x1="{left + width * lo:.1f}" x2="{left + width * hi:.1f}" y1="{y + h / 2}" y2="{y + h / 2}" stroke="#111" stroke-width="1.5"/>')
        out.append(f'<text x="{left + width + 6}" y="{y + 12}" font-size="11">{v:.2f}</text>')
    out.append("</svg>")
    return "".join(out)


def _svg_heat(b: Balance, k: int, j: int) -> str:
    """The head-to-head table as a heat map: blue above the seat mean, red below."""
    rows, cols = b.agents[b.archetypes[k]], b.agents[b.archetypes[j]]
    cell, left, top = 34, 140, 110
    M = b.H[k][j]
    vmax = float(np.nanmax(np.abs(M))) if np.isfinite(M).any() else 1.0
    vmax = vmax or 1.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + cell * len(cols) + 10}" height="{top + cell * len(rows) + 10}">']
    for c, name in enumerate(cols):
        x = left + c * cell + cell / 2
        out.append(f'<text x="{x}" y="{top - 6}" font-size="11" transform="rotate(-60 {x} {top - 6})">{html.escape(name[:18])}</text>')
    for r, name in enumerate(rows):
        y = top + r * cell
        out.append(f'<text x="4" y="{y + cell / 2 + 4}" font-size="11">{html.escape(name[:20])}</text>')
        for c in range(len(cols)):
            v = M[r, c]
            if math.isfinite(v):
                t = max(-1.0, min(1.0, v / vmax))
                color = f"rgb({int(255 - 140 * max(t, 0))},{int(255 - 140 * abs(t))},{int(255 - 140 * max(-t, 0))})"
                label = f"{v:+.2f}"
            else:
                color, label = "#ddd", "—"
            out.append(f'<rect x="{left + c * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="{color}"/>')
            out.append(f'<text x="{left + c * cell + 3}" y="{y + cell / 2 + 4}" font-size="9">{label}</text>')
    out.append("</svg>")
    return "".join(out)


def render_html(b: Balance) -> str:
    """One self-contained page: inline CSS and SVG, no script and no external resource."""
    lines, tables, notes = balance_tables(b)
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Gridlock balance</title>",
             "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #bbb;padding:2px 6px;font-size:13px;text-align:right}td:first-child,th:first-child{text-align:left}"
             "caption{text-align:left;font-weight:bold;padding:4px 0}.flag{color:#a00}</style></head><body>",
             "<h1>Balance</h1>", *(f"<p>{html.escape(x)}</p>" for x in lines)]
    parts.append(_svg_bars(b.by_agent, "alpharank", "α-Rank mass per archetype (whiskers: 95% bootstrap)"))
    parts.append(_svg_bars(b.by_agent, "replicator", "Replicator-dynamics mixture per archetype"))
    K = len(b.archetypes)
    for k in range(K):
        for j in [j for j in range(K) if j != k] or [k]:
            parts.append(f"<h3>Head to head: {html.escape(b.archetypes[k])} rows vs {html.escape(b.archetypes[j])} columns</h3>")
            parts.append(_svg_heat(b, k, j))
    for title, headers, rows in tables:
        parts.append(f"<table><caption>{html.escape(title)}</caption><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>")
        for r in rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>")
        parts.append("</table>")
    parts.extend(f"<p class='flag'>{html.escape(n)}</p>" for n in notes)
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(b: Balance, path: str) -> None:
    import os
    from pathlib import Path

    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(render_html(b), encoding="utf-8")
        os.replace(tmp, target)
    except OSError as e:
        raise TournamentError(f"cannot write {path}: {e}") from None


