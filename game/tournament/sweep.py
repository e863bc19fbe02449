"""Sweeps: one tournament per combination of scenario settings, all over the same seeds."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Sequence

from attrs import evolve, field, frozen

from . import TournamentError
from .aggregate import Outcomes, outcomes
from .run import Outcome, Progress, TournamentConfig, run_tournament


@frozen
class Axis:
    key: str
    values: tuple[str, ...]


def parse_axis(text: str) -> Axis:
    """'regions.ercot.queue_wait_quarters_max=4,8,12' -> Axis(key, ('4', '8', '12'))."""
    key, sep, values = text.partition("=")
    vals = tuple(v.strip() for v in values.split(","))
    if not sep or not key.strip() or not all(vals):
        raise TournamentError(f"--set {text!r}: expected DOTTED.KEY=V1,V2,… e.g. regions.ercot.queue_wait_quarters_max=4,8,12")
    if len(set(vals)) != len(vals):
        raise TournamentError(f"--set {text!r}: a value is listed twice")
    return Axis(key.strip(), vals)


def combinations(axes: Sequence[Axis]) -> list[tuple[str, ...]]:
    """Every setting of every axis, as lists of KEY=VALUE overrides, first axis slowest."""
    keys = [a.key for a in axes]
    if len(set(keys)) != len(keys):
        raise TournamentError("--set names the same key twice; give all its values in one --set KEY=V1,V2")
    return [tuple(f"{k}={v}" for k, v in zip(keys, vs)) for vs in itertools.product(*(a.values for a in axes))]


def db_name(n: int, overrides: Sequence[str]) -> str:
    slug = "__".join(re.sub(r"[^A-Za-z0-9_.=-]+", "_", o) for o in overrides) or "base"
    return f"{n:02d}-{slug[:150]}.sqlite"


@frozen
class SweepPoint:
    overrides: tuple[str, ...]
    outcome: Outcome
    agents: tuple[Outcomes, ...]
    # agent -> (mean, 95% low, 95% high) of its score minus its score at the first setting, play
    # by play (same game index and company: common random numbers)
    effects: dict = field(factory=dict)


def _scores(path: Path) -> dict[tuple[int, str], tuple[str, float]]:
    from .report import read_results

    return {(int(r[0]), str(r[1])): (str(r[3]), float(r[5])) for r in read_results(path)["rows"]}


def paired_effects(base: dict, point: dict) -> dict[str, tuple[float, float, float]]:
    """Per agent: the mean of (score here − score at the base) over plays seated alike in both."""
    from .stats import bootstrap_mean_ci

    diffs: dict[str, list[float]] = {}
    for key, (agent, score) in point.items():
        if key in base and base[key][0] == agent:
            diffs.setdefault(agent, []).append(score - base[key][1])
    return {a: (sum(d) / len(d), *bootstrap_mean_ci(d)) for a, d in sorted(diffs.items())}


def run_sweep(
    base: TournamentConfig,
    axes: Sequence[Axis],
    db_dir: str | Path,
    *,
    resume: bool = False,
    progress_for=lambda label: None,
    **run_kw,
) -> list[SweepPoint]:
    """The same tournament (agents, games, seed: so the same game seeds and seats) at each
    combination of settings; each stored in its own database under db_dir."""
    combos = combinations(axes)
    db_dir = Path(db_dir)
    paths = [db_dir / db_name(i, c) for i, c in enumerate(combos)]
    if not resume:
        taken = [p for p in paths if p.exists()]
        if taken:
            raise TournamentError(f"{taken[0]} already exists: pass --resume to continue that sweep, or choose another --db-dir")
    configs = [evolve(base, overrides=base.overrides + c) for c in combos]
    from .run import Plan

    for cfg in configs:  # every combination is checked before any game is played
        Plan(cfg)
    db_dir.mkdir(parents=True, exist_ok=True)
    points = []
    base = None
    for cfg, combo, path in zip(configs, combos, paths):
        progress: Progress | None = progress_for(" ".join(combo))
        out = run_tournament(cfg, path, resume=resume, progress=progress, **run_kw)
        scores = _scores(path)
        base = scores if base is None else base
        points.append(SweepPoint(combo, out, tuple(outcomes(path)), paired_effects(base, scores)))
    return points


def sweep_table(points: Sequence[SweepPoint]) -> str:
    """Per agent, one line per setting: mean score, win rate, bankruptcy rate, and the change in
    mean score against the first setting with its 95% interval, play by play on the same seeds
    and seats (common random numbers: the interval is that of the effect, not of seed noise)."""
    keys = [o.partition("=")[0] for o in points[0].overrides]
    heads = [k.rpartition(".")[2] for k in keys]
    if len(set(heads)) < len(heads):  # e.g. the same key in two regions: keep the region
        heads = [k.partition(".")[2] or k for k in keys]
    values = [[o.partition("=")[2] for o in p.overrides] for p in points]
    widths = [max([len(h)] + [len(v[i]) for v in values]) for i, h in enumerate(heads)]
    agents = sorted({o.who for p in points for o in p.agents})
    aw = max([5] + [len(a) for a in agents])
    lines = [f"swept: {', '.join(keys)}", "", f"{'agent':<{aw}}  " + "  ".join(f"{h:>{w}}" for h, w in zip(heads, widths)) + f"  {'seats':>6}  {'mean':>6}  {'Δmean':>7}  {'95% CI of Δ':>17}  {'win':>6}  {'bust':>6}"]
    for a in agents:
        first = None
        for p, vals in zip(points, values):
            o = next((x for x in p.agents if x.who == a), None)
            if o is None:
                continue
            first = o.mean_score if first is None else first
            setting = "  ".join(f"{v:>{w}}" for v, w in zip(vals, widths))
            eff = p.effects.get(a)
            ci = f"{eff[1]:+.3f} – {eff[2]:+.3f}" if eff else ""
            lines.append(f"{a:<{aw}}  {setting}  {o.games:>6}  {o.mean_score:>6.3f}  {o.mean_score - first:>+7.3f}  {ci:>17}  {o.win_rate:>6.1%}  {o.bankrupt_rate:>6.1%}")
    return "\n".join(lines)
