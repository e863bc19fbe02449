"""A tournament's results as one self-contained HTML page (`gridlock report DB --html FILE`):
score distributions per agent, the pairwise heatmap, win rates with their intervals, ratings,
and for each extreme game the commands that replay it and write its debrief."""

from __future__ import annotations

import shlex
from html import escape
from pathlib import Path

from . import svg
from .html import CSS, Raw, _figure, _table


def debrief_command(replay: str | None, idx: int) -> str | None:
    """The replay command with a save added, then the debrief of that save."""
    if not replay:
        return None
    save = f"game-{idx}.json"
    return f"{replay} --save {shlex.quote(save)} && gridlock debrief {shlex.quote(save)} --html {shlex.quote(f'game-{idx}.html')}"


def render(summary: dict, scores: dict[str, list[float]]) -> str:
    """The page, from `gridlock report`'s summary and every play's score by agent."""
    agents = summary["agents"]
    names = list(agents)
    g = summary["games"]
    title = f"Tournament report: {summary.get('scenario_name') or 'results'}"
    head = (
        f"<h1>{escape(title)}</h1><p class=\"lead\">{g['finished']} finished games of {g.get('planned') or g['stored']} planned"
        f" ({g['errors']} errors), engine {escape(str(summary.get('engine_version') or '?'))}; from {escape(Path(summary['file']).name)}.</p>"
    )
    dist = svg.histogram("Score distribution per agent (dashed: the mean)", [(a, scores.get(a, [])) for a in names])
    wins = svg.range_chart(
        "Win rate with its 95% Wilson interval",
        [{"label": a, "actual": v["win_rate"], "low": v["win_ci_low"], "high": v["win_ci_high"], "points": [("the rate a seat wins by chance", v.get("baseline_win_rate"))]} for a, v in agents.items()],
        unit="", actual_label="win rate", range_label="95% interval", as_percent=True,
    )
    means = svg.range_chart(
        "Mean score with its bootstrap interval",
        [{"label": a, "actual": v["mean_score"], "low": v["score_ci_low"], "high": v["score_ci_high"]} for a, v in agents.items()],
        actual_label="mean score", range_label="95% bootstrap interval",
    )
    pair = {(r["agent"], r["opponent"]): r["share_above"] for r in summary["pairwise"] if r.get("comparisons")}
    heat = svg.heatmap("How often the row agent finishes above the column agent (%)", names, names, pair)
    table = _table(
        ["agent", "games", "win rate", "95% interval", "mean score", "95% interval", "median", "p10–p90", "mean rank", "bankrupt", "rating (μ − 3σ)"],
        [
            (a, v["games"], f"{100 * v['win_rate']:.1f}%", f"{100 * v['win_ci_low']:.1f}–{100 * v['win_ci_high']:.1f}%", f"{v['mean_score']:.3f}", f"{v['score_ci_low']:.3f}–{v['score_ci_high']:.3f}",
             f"{v['median_score']:.3f}", f"{v['p10_score']:.3f}–{v['p90_score']:.3f}", f"{v['mean_rank']:.2f}", f"{100 * v['bankruptcy_rate']:.1f}%",
             f"{v['rating_ordinal']:.2f}" if v.get("rating_ordinal") is not None else "–")
            for a, v in agents.items()
        ],
        [False] + [True] * 10,
    )
    ratings = _table(["agent", "μ", "σ", "μ − 3σ", "games"], [(r["agent"], f"{r['mu']:.2f}", f"{r['sigma']:.2f}", f"{r['ordinal']:.2f}", r["games"]) for r in summary["ratings"]], [False, True, True, True, True])
    rows = []
    for e in summary["extremes"]:
        what = f"score {e['score']:.3f}, rank {e['rank']}" if e.get("score") is not None else f"{e.get('bankruptcies', 0)} bankruptcies"
        cmd = debrief_command(e.get("command"), e["idx"])
        rows.append((e["kind"], e["agent"] or "–", e["idx"], e["seed"], what, _code(cmd) if cmd else "(continued from a save: replay it with gridlock tournament --from)"))
    extremes = _table(["game", "agent", "index", "seed", "outcome", "write its debrief"], rows)
    body = f"""<section id="summary">{head}{table}</section>
<section id="distributions"><h2>Scores</h2>{_figure(dist)}{_figure(means)}</section>
<section id="wins"><h2>Win rates</h2>{_figure(wins, 'A dot marks the win rate of a seat that wins by chance (one over the number of companies in its games).')}</section>
<section id="pairwise"><h2>Head to head</h2>{_figure(heat, 'Blue: the row agent usually finishes above the column agent; orange: below; white: even.')}</section>
<section id="ratings"><h2>Ratings</h2><p class="dim">openskill ratings over every game; agents are ordered by μ − 3σ.</p>{ratings}</section>
<section id="extremes"><h2>Extreme games</h2><p class="dim">Each agent's best and worst game and the games with the most bankruptcies: the command replays it, saves it and writes its debrief.</p>{extremes}</section>"""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title><style>{CSS}</style></head>\n'
        f"<body><main>\n{body}\n</main></body></html>\n"
    )


def _code(text: str) -> str:
    return Raw(f"<code>{escape(text)}</code>")


def write(db: str, html: str | Path) -> Path:
    """Summarise the results file `db` and write its page to `html`."""
    from ..saves import write_atomic
    from ..tournament.report import read_results, summarise
    from ..tournament.stats import Plays

    summary = summarise(db)
    plays = Plays.from_rows(read_results(db)["rows"])
    scores = {a: [float(x) for x in plays.score[plays.agent == a]] for a in plays.agents()}
    path = Path(html)
    write_atomic(path, render(summary, scores))
    return path
