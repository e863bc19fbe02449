"""`gridlock facts`: does a scenario reproduce the stylised facts its [targets] table claims?

Each target names a measure (game/measures.py) and a band. The command plays N seeded games of
the scenario with its own agents (game i has seed game_seed(seed, i)) and, per target, gives
the mean of the measure over the games where it is defined, a 95 % percentile-bootstrap
interval of that mean, the band, and whether the mean lies in the band (held). A target with
`against = "S"` is a paired fact: the measure of this scenario minus that of S, game by game on
the same seeds and seats, so the random world cancels and the interval is that of the effect.
With --set KEY=VALUE the same games are played with and without the change and every fact
shows where it moved (paired again): how a lever moves the facts.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from attrs import frozen

from ..measures import describe
from . import TournamentError
from .lab import LabJob, default_tasks, play_many
from .stats import bootstrap_mean_ci

NOT_REPORTED = "not reported"


@frozen
class Fact:
    name: str
    measure: str
    region: str
    against: str
    low: float
    high: float
    source: str
    games: int  # games where the measure (or both sides of a paired one) was defined
    value: float | None
    ci_low: float | None
    ci_high: float | None
    held: bool
    status: str  # "held", "not held", "not reported: FIELD" or "no value in any game"
    base_value: float | None = None  # with --set: the same fact without the change
    change: float | None = None  # with --set: the paired change
    change_ci: tuple[float, float] | None = None


def _key(measure: str, region: str) -> str:
    return f"{measure}:{region}" if region else measure


def _values(records: list[dict], key: str) -> tuple[dict[int, float], str | None]:
    """{game idx: value} where defined, and the 'not reported' text if the engine lacks a field."""
    out, missing = {}, None
    for r in records:
        v = r.get("measures", {}).get(key)
        if isinstance(v, str):
            missing = v
        elif isinstance(v, (int, float)) and math.isfinite(v):
            out[r["idx"]] = float(v)
    return out, missing


def _summary(values: Sequence[float]) -> tuple[float | None, float | None, float | None]:
    if not values:
        return None, None, None
    lo, hi = bootstrap_mean_ci(values)
    return float(np.mean(values)), lo, hi


class FactsRun:
    """The scenario's targets, the games played for them, and the facts."""

    def __init__(self, scenario: str, games: int, seed: int = 0, overrides: Sequence[str] = (), workers: int = 2, progress_for=lambda label: None):
        from ..scenario import ScenarioError, load_scenario

        if not 1 <= games <= 10**7:
            raise TournamentError(f"--games must be between 1 and 10^7, got {games}")
        try:
            spec = load_scenario(scenario, overrides)
        except ScenarioError as e:
            raise TournamentError("the scenario has problems:\n" + "\n".join(f"  {p}" for p in e.problems)) from None
        if not spec.targets:
            raise TournamentError(f"{spec.source}: the scenario declares no [targets] table, so there are no facts to check (docs/research.md shows how to declare them)")
        self.spec, self.scenario, self.games, self.seed, self.overrides = spec, scenario, games, seed, tuple(overrides)
        self.workers, self.progress_for = workers, progress_for
        self.tasks = default_tasks(games, seed)
        self._runs: dict[tuple[str, tuple[str, ...]], list[dict]] = {}

    def _records(self, scenario: str, overrides: tuple[str, ...]) -> list[dict]:
        """The games of one scenario (with overrides), every target's measure computed."""
        key = (scenario, overrides)
        if key not in self._runs:
            wanted = tuple(sorted({(t.measure, t.region) for t in self.spec.targets.values()}))
            label = " ".join((scenario, *overrides))
            self._runs[key] = play_many(LabJob(scenario, overrides, wanted), self.tasks, self.workers, self.progress_for(label))
        return self._runs[key]

    def _fact_values(self, t, overrides: tuple[str, ...]) -> tuple[dict[int, float], str | None]:
        key = _key(t.measure, t.region)
        mine, missing = _values(self._records(self.scenario, overrides), key)
        if not t.against:
            return mine, missing
        other, missing_other = _values(self._records(t.against, overrides), key)
        return {i: v - other[i] for i, v in mine.items() if i in other}, missing or missing_other

    def facts(self) -> list[Fact]:
        out = []
        for name, t in self.spec.targets.items():
            values, missing = self._fact_values(t, self.overrides)
            value, lo, hi = _summary(list(values.values()))
            held = value is not None and t.low <= value <= t.high
            status = "held" if held else (missing if missing and value is None else "no value in any game" if value is None else "not held")
            extra: dict[str, Any] = {}
            if self.overrides:
                base, _ = self._fact_values(t, ())
                both = [i for i in values if i in base]
                extra["base_value"] = float(np.mean(list(base.values()))) if base else None
                if both:
                    diffs = [values[i] - base[i] for i in both]
                    extra["change"] = float(np.mean(diffs))
                    extra["change_ci"] = bootstrap_mean_ci(diffs)
            out.append(Fact(name, t.measure, t.region, t.against, t.low, t.high, t.source, len(values), value, lo, hi, held, status, **extra))
        return out


def _fmt(v: float | None) -> str:
    if v is None:
        return "—"
    a = abs(v)
    return f"{v:,.0f}" if a >= 1000 else f"{v:.3f}" if a >= 0.01 or a == 0 else f"{v:.2e}"


def fact_rows(facts: Sequence[Fact], with_change: bool) -> tuple[list[str], list[list[str]]]:
    headers = ["fact", "measure", "games", "value", "95% CI", "band", "result"]
    if with_change:
        headers[3:3] = ["without --set"]
        headers += ["change", "95% CI of change"]
    rows = []
    for f in facts:
        what = _key(f.measure, f.region) + (f" − {f.against}" if f.against else "")
        row = [f.name, what, str(f.games), _fmt(f.value), f"{_fmt(f.ci_low)} – {_fmt(f.ci_high)}" if f.ci_low is not None else "—", f"[{_fmt(f.low)}, {_fmt(f.high)}]", f.status]
        if with_change:
            row[3:3] = [_fmt(f.base_value)]
            row += [_fmt(f.change) if f.change is not None else "—", f"{_fmt(f.change_ci[0])} – {_fmt(f.change_ci[1])}" if f.change_ci else "—"]
        rows.append(row)
    return headers, rows


def facts_json(run: FactsRun, facts: Sequence[Fact]) -> dict:
    from attrs import asdict

    return {
        "scenario": run.spec.source,
        "games": run.games,
        "seed": run.seed,
        "overrides": list(run.overrides),
        "facts": [asdict(f) | {"definition": describe(f.measure)} for f in facts],
        "held": sum(f.held for f in facts),
        "not_held": sum(not f.held for f in facts),
    }
