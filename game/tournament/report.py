"""`gridlock report`: read a tournament's results file (even while it is being written), summarise, print and export.

The file is opened read-only through a `mode=ro` URI and read inside one transaction, so the
figures are one consistent snapshot and a running tournament (WAL mode) is never blocked.
Rich is imported only when tables are drawn for a terminal.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shlex
import sqlite3
import sys
from pathlib import Path
from typing import Any, Callable, TextIO

from . import stats
from .stats import Plays

RESULTS_TABLES = {
    "meta": {"key", "value"},
    "games": {"idx", "seed", "status", "quarters", "seats", "error"},
    "results": {"idx", "company", "seat", "agent", "archetype", "score", "rank", "bankrupt", "equity_musd"},
}


class ReportError(Exception):
    """The path is missing, unreadable or not a Gridlock results database: one clear line."""


# ---------------------------------------------------------------- reading


def _connect_read_only(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise ReportError(f"{path}: no such file")
    if path.is_dir():
        raise ReportError(f"{path}: is a directory, not a results file")
    # A finished results file in a place no one can write (a read-only mount, a folder not ours):
    # SQLite could not make the -shm file a WAL database needs, and no one can change the file,
    # so it is read as immutable. With -wal content left by a killed run it must be read normally.
    wal = path.with_name(path.name + "-wal")
    frozen_in_place = not os.access(path.parent, os.W_OK) and not (wal.exists() and wal.stat().st_size > 0)
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro{'&immutable=1' if frozen_in_place else ''}", uri=True, timeout=10, isolation_level=None)
    except sqlite3.Error as e:
        raise ReportError(f"{path}: cannot open: {e}") from None
    return con


def read_results(path: str | os.PathLike) -> dict:
    """One consistent snapshot: meta, every game row, and the result rows of finished games."""
    path = Path(path)
    wal_files = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    had_wal_files = any(f.exists() for f in wal_files)
    con = _connect_read_only(path)
    try:
        con.execute("BEGIN")  # one read transaction: what the writer commits meanwhile is not half-seen
        tables = {name: {row[1] for row in con.execute(f"PRAGMA table_info({name})")} for name in RESULTS_TABLES}
        for name, needed in RESULTS_TABLES.items():
            missing = needed - tables[name]
            if missing:
                what = f"no table `{name}`" if not tables[name] else f"table `{name}` lacks {', '.join(sorted(missing))}"
                raise ReportError(f"{path}: not a Gridlock results database ({what})")
        meta = dict(con.execute("SELECT key, value FROM meta"))
        games = con.execute("SELECT idx, seed, status, quarters, seats, error FROM games ORDER BY idx").fetchall()
        rows = con.execute(
            "SELECT r.idx, r.company, r.seat, r.agent, r.archetype, r.score, r.rank, r.bankrupt"
            " FROM results r JOIN games g ON g.idx = r.idx WHERE g.status = 'ok'"
        ).fetchall()
        con.execute("COMMIT")
    except sqlite3.DatabaseError as e:
        raise ReportError(f"{path}: not a Gridlock results database ({e})") from None
    finally:
        con.close()
    if not had_wal_files and any(f.exists() for f in wal_files):
        _tidy_wal_files(path)
    return {"meta": meta, "games": games, "rows": rows}


def _tidy_wal_files(path: Path) -> None:
    """Remove the empty -wal/-shm files our read-only look left beside a finished run's file.

    A read-only connection cannot delete them; a read-write one that closes last does (SQLite
    checks under its own locks, so a tournament that started meanwhile keeps them)."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=1)
        try:
            con.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        pass  # e.g. a read-only directory: the files are harmless


def _config(meta: dict, path: Path) -> dict:
    try:
        config = json.loads(meta.get("config") or "{}")
    except json.JSONDecodeError as e:
        raise ReportError(f"{path}: meta `config` is not JSON ({e})") from None
    if not isinstance(config, dict):
        raise ReportError(f"{path}: meta `config` is not a JSON object")
    return config


def _plays(rows: list[tuple], path: Path) -> Plays:
    for r in rows:
        idx, company, seat, agent, archetype, score, rank, bankrupt = r
        ok = (
            isinstance(idx, int) and isinstance(seat, int) and isinstance(rank, int) and rank >= 1
            and isinstance(score, (int, float)) and math.isfinite(score) and isinstance(agent, str) and isinstance(archetype, str)
        )
        if not ok:
            raise ReportError(f"{path}: results row for game {idx!r}, company {company!r} is malformed")
    return Plays.from_rows(rows)


# ---------------------------------------------------------------- summarising


def replay_command(config: dict, seed: int, seats_json: str | None) -> str | None:
    """The `gridlock run` command that replays one game, or None when a save was the starting point."""
    if config.get("from_save") or not isinstance(config.get("scenario"), str):
        return None
    try:
        seats = json.loads(seats_json or "{}")
    except json.JSONDecodeError:
        seats = {}
    parts = ["gridlock", "run", "--scenario", config["scenario"], "--seed", str(seed)]
    for cid, agent in (seats.items() if isinstance(seats, dict) else []):
        parts += ["--seat", f"{cid}={agent}"]
    for override in config.get("overrides") or []:
        parts += ["--set", str(override)]
    return shlex.join(parts)


def summarise(path: str | os.PathLike) -> dict:
    """Everything `gridlock report` shows, as plain JSON-able data (the sweep reuses it)."""
    path = Path(path)
    snap = read_results(path)
    meta, games = snap["meta"], snap["games"]
    config = _config(meta, path)
    plays = _plays(snap["rows"], path)
    by_idx = {g[0]: g for g in games}

    agents = {a: stats.agent_summary(plays, a) for a in plays.agents()}
    pairs = stats.pairwise(plays)
    ratings = stats.ratings(plays)
    for r in ratings:
        agents[r["agent"]].update(rating_mu=r["mu"], rating_sigma=r["sigma"], rating_ordinal=r["ordinal"])
    extremes = stats.extreme_games(plays)
    for e in extremes:
        g = by_idx[e["idx"]]
        e["seed"] = g[1]
        e["command"] = replay_command(config, g[1], g[4])
    errors = [{"idx": g[0], "seed": g[1], "error": (g[5] or "").strip().splitlines()[-1:] or [""]} for g in games if g[2] == "error"]
    return {
        "file": str(path),
        "scenario_name": meta.get("scenario_name", ""),
        "engine_version": meta.get("engine_version", ""),
        "config": config,
        "games": {
            "stored": len(games),
            "finished": sum(1 for g in games if g[2] == "ok"),
            "errors": len(errors),
            "planned": config.get("games"),
        },
        "errors": [{"idx": e["idx"], "seed": e["seed"], "error": e["error"][0]} for e in errors],
        "agents": agents,
        "pairwise": [{"agent": a, "opponent": b} | v for (a, b), v in pairs.items()],
        "by_seat": stats.by_group(plays, "seat"),
        "by_archetype": stats.by_group(plays, "archetype", "agent"),
        "ratings": ratings,
        "extremes": extremes,
        "seat_relative": stats.seat_relative(plays),
        "archetype_ratings": stats.archetype_ratings(plays),
        "warnings": stats.meeting_warnings(plays, pairs),
        "paired": stats.paired_comparisons(plays, {g[0]: g[1] for g in games}),
    }


# ---------------------------------------------------------------- tables (one shape for screen and files)

AGENT_COLUMNS = (
    "games", "distinct_games", "wins", "win_rate", "win_ci_low", "win_ci_high", "baseline_win_rate",
    "mean_score", "score_ci_low", "score_ci_high", "median_score", "p10_score", "p90_score",
    "mean_rank", "bankruptcies", "bankruptcy_rate", "rating_mu", "rating_sigma", "rating_ordinal",
)
OUTCOME_COLUMNS = ("games", "wins", "win_rate", "baseline_win_rate", "mean_score", "mean_rank", "bankruptcies", "bankruptcy_rate")


def frames(summary: dict) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The summary as flat tables of raw values, by name: what --csv and --parquet write."""
    agents = summary["agents"]
    out = {
        "agents": (["agent", *AGENT_COLUMNS], [[a, *(v.get(c) for c in AGENT_COLUMNS)] for a, v in agents.items()]),
        "pairwise": (
            ["agent", "opponent", "comparisons", "above", "share_above", "games_together"],
            [[r["agent"], r["opponent"], r["comparisons"], r["above"], r["share_above"], r["games_together"]] for r in summary["pairwise"]],
        ),
        "by_seat": (["seat", "company", *OUTCOME_COLUMNS], [[r["seat"], r["company"], *(r[c] for c in OUTCOME_COLUMNS)] for r in summary["by_seat"]]),
        "by_archetype": (
            ["archetype", "agent", *OUTCOME_COLUMNS],
            [[r["archetype"], r["agent"], *(r[c] for c in OUTCOME_COLUMNS)] for r in summary["by_archetype"]],
        ),
        "ratings": (["agent", "mu", "sigma", "ordinal", "games"], [[r["agent"], r["mu"], r["sigma"], r["ordinal"], r["games"]] for r in summary["ratings"]]),
        "extremes": (
            ["kind", "agent", "idx", "seed", "score", "rank", "bankruptcies", "command"],
            [[e["kind"], e["agent"], e["idx"], e["seed"], e.get("score"), e.get("rank"), e.get("bankruptcies"), e["command"]] for e in summary["extremes"]],
        ),
    }
    out["seat_relative"] = (list(SEAT_COLUMNS), [[r[c] for c in SEAT_COLUMNS] for r in summary.get("seat_relative", [])])
    out["archetype_ratings"] = (["archetype", "agent", "mu", "sigma", "ordinal", "games"], [[r["archetype"], r["agent"], r["mu"], r["sigma"], r["ordinal"], r["games"]] for r in summary.get("archetype_ratings", [])])
    out["paired"] = (list(PAIRED_COLUMNS), [[r[c] for c in PAIRED_COLUMNS] for r in summary.get("paired", [])])
    return out


SEAT_COLUMNS = ("archetype", "agent", "plays", "seat_relative_score", "relative_ci_low", "relative_ci_high", "win_rate", "win_ci_low", "win_ci_high", "expected_win_rate")
PAIRED_COLUMNS = ("archetype", "agent", "versus", "pairs", "mean_difference", "paired_ci_low", "paired_ci_high", "unpaired_difference", "unpaired_half_width", "narrower_per_game")


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def _num(v: float) -> str:
    return f"{v:.3f}"


def _no_replay(config: dict) -> str:
    if config.get("from_save"):
        return f"(continued from the save {config['from_save']}: replay it with gridlock tournament --from)"
    return "(the results file does not name its scenario)"


def replay_lines(summary: dict) -> list[str]:
    """One line per extreme game, each with the command that replays it (kept whole, so it can be copied)."""
    lines, seen = [], set()
    plugins = summary["config"].get("plugins")
    if plugins:
        lines.append(f"(agents from the plugin modules {', '.join(map(str, plugins))} must be loadable for these to run)")
    for e in sorted(summary["extremes"], key=lambda e: e["idx"]):
        if e["idx"] not in seen:
            seen.add(e["idx"])
            lines.append(f"game {e['idx']}: {e['command'] or _no_replay(summary['config'])}")
    return lines


def display_tables(summary: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """The tables a person reads: (title, headers, rows of strings)."""
    agents = summary["agents"]
    tables = []
    tables.append((
        "Agents (one play = one seat in one finished game; win = rank 1)",
        ["agent", "plays", "win rate", "95% CI", "1/k", "mean score", "95% CI", "median", "p10", "p90", "avg place", "bankrupt"],
        [
            [
                a, str(v["games"]), _pct(v["win_rate"]), f"{_pct(v['win_ci_low'])}–{_pct(v['win_ci_high'])}", _pct(v["baseline_win_rate"]),
                _num(v["mean_score"]), f"{_num(v['score_ci_low'])}–{_num(v['score_ci_high'])}", _num(v["median_score"]),
                _num(v["p10_score"]), _num(v["p90_score"]), f"{v['mean_rank']:.2f}", _pct(v["bankruptcy_rate"]),
            ]
            for a, v in agents.items()
        ],
    ))
    names = list(agents)
    cells = {(r["agent"], r["opponent"]): r for r in summary["pairwise"]}
    tables.append((
        "Pairwise: share of seat match-ups the row agent finished above the column agent",
        ["above ↓ vs →", *names],
        [[a, *(("—" if a == b else _pct(cells[a, b]["share_above"]) + f" ({cells[a, b]['comparisons']})") if (a, b) in cells or a == b else "" for b in names)] for a in names],
    ))
    tables.append((
        "By seat",
        ["seat", "company", "plays", "win rate", "1/k", "mean score", "avg place", "bankrupt"],
        [[str(r["seat"]), r["company"], str(r["games"]), _pct(r["win_rate"]), _pct(r["baseline_win_rate"]), _num(r["mean_score"]), f"{r['mean_rank']:.2f}", _pct(r["bankruptcy_rate"])] for r in summary["by_seat"]],
    ))
    tables.append((
        "By archetype of the company played",
        ["archetype", "agent", "plays", "win rate", "1/k", "mean score", "avg place", "bankrupt"],
        [[r["archetype"], r["agent"], str(r["games"]), _pct(r["win_rate"]), _pct(r["baseline_win_rate"]), _num(r["mean_score"]), f"{r['mean_rank']:.2f}", _pct(r["bankruptcy_rate"])] for r in summary["by_archetype"]],
    ))
    tables.append((
        "Judged against the seat: score − the mean score of the same company; win rate vs the seats' own win rate",
        ["archetype", "agent", "plays", "seat-relative", "95% CI", "win rate", "95% CI", "seats' win rate"],
        [
            [r["archetype"], r["agent"], str(r["plays"]), f"{r['seat_relative_score']:+.3f}", f"{r['relative_ci_low']:+.3f}–{r['relative_ci_high']:+.3f}", _pct(r["win_rate"]), f"{_pct(r['win_ci_low'])}–{_pct(r['win_ci_high'])}", _pct(r["expected_win_rate"])]
            for r in summary.get("seat_relative", [])
        ],
    ))
    tables.append((
        "Ratings per archetype (openskill, each game ranking only that archetype's seats; ordinal = μ − 3σ)",
        ["archetype", "agent", "ordinal", "μ", "σ", "games"],
        [[r["archetype"], r["agent"], f"{r['ordinal']:.2f}", f"{r['mu']:.2f}", f"{r['sigma']:.2f}", str(r["games"])] for r in summary.get("archetype_ratings", [])],
    ))
    if summary.get("paired"):
        tables.append((
            "Paired comparisons (same seed, one seat changed: common random numbers) beside the unpaired estimate from every play; narrower × = interval width per game, unpaired ÷ paired",
            ["archetype", "agent", "versus", "pairs", "paired Δ", "95% CI", "unpaired Δ ± half-width", "narrower ×"],
            [
                [r["archetype"], r["agent"], r["versus"], str(r["pairs"]), f"{r['mean_difference']:+.3f}", f"{r['paired_ci_low']:+.3f}–{r['paired_ci_high']:+.3f}", f"{r['unpaired_difference']:+.3f} ± {r['unpaired_half_width']:.3f}", f"{r['narrower_per_game']:.1f}"]
                for r in summary["paired"]
            ],
        ))
    tables.append((
        "Ratings (openskill Plackett–Luce over all seats, games in index order; ordinal = μ − 3σ; seats are unequal, see the per-archetype ratings)",
        ["#", "agent", "ordinal", "μ", "σ", "games"],
        [[str(i + 1), r["agent"], f"{r['ordinal']:.2f}", f"{r['mu']:.2f}", f"{r['sigma']:.2f}", str(r["games"])] for i, r in enumerate(summary["ratings"])],
    ))
    tables.append((
        "Extreme games (replay commands below)",
        ["what", "agent", "game", "seed", "outcome"],
        [
            [
                e["kind"], e["agent"], str(e["idx"]), str(e["seed"]),
                f"{e['bankruptcies']} bankrupt" if "bankruptcies" in e else f"score {_num(e['score'])}, place {e['rank']}",
            ]
            for e in summary["extremes"]
        ],
    ))
    return tables


def headline(summary: dict) -> list[str]:
    g = summary["games"]
    planned = f" of {g['planned']} planned" if isinstance(g.get("planned"), int) else ""
    lines = [
        f"{summary['file']}: scenario {summary['scenario_name'] or summary['config'].get('scenario', '?')}, engine {summary['engine_version'] or '?'}",
        f"{g['finished']} games finished, {g['errors']} errors{planned}",
    ]
    for e in summary["errors"][:5]:
        lines.append(f"  error in game {e['idx']} (seed {e['seed']}): {e['error']}")
    for w in summary.get("warnings", []):
        lines.append(f"warning: {w}")
    if len(summary["errors"]) > 5:
        lines.append(f"  … and {len(summary['errors']) - 5} more errors")
    return lines


TEXT_COLUMNS = ("agent", "company", "archetype", "what", "replay", "fact", "measure", "band", "result", "flag", "kind")


def plain_table(title: str, headers: list[str], rows: list[list[str]], out: TextIO) -> None:
    """One table as aligned plain text."""
    print(f"\n{title}", file=out)
    if not rows:
        print("  (none yet)", file=out)
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    last = len(headers) - 1
    fmt = lambda cells: "  ".join(c if i == last else c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip()  # noqa: E731
    print(fmt(headers), file=out)
    print(fmt(["-" * w for w in widths]), file=out)
    for r in rows:
        print(fmt(r), file=out)


def rich_table(console, title: str, headers: list[str], rows: list[list[str]]) -> None:
    """One table drawn by rich."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_edge=False)
    for i, h in enumerate(headers):
        table.add_column(h, justify="left" if i == 0 or h in TEXT_COLUMNS else "right", overflow="fold")
    for r in rows:
        table.add_row(*r)
    if not rows:
        table.caption = "(none yet)"
    console.print()
    console.print(table)


def show_tables(lines: list[str], tables: list[tuple[str, list[str], list[list[str]]]], out: TextIO, notes: list[str] = ()) -> None:
    """Lines, tables and closing notes: rich on a terminal, plain text otherwise."""
    if out.isatty():
        from rich.console import Console

        console = Console(file=out)
        for line in lines:
            console.print(line, highlight=False, markup=False)
        for t in tables:
            rich_table(console, *t)
        for line in notes:
            console.print(line, soft_wrap=True, highlight=False, markup=False)
        return
    for line in lines:
        print(line, file=out)
    for t in tables:
        plain_table(*t, out)
    for line in notes:
        print(line, file=out)


def render_plain(summary: dict, out: TextIO) -> None:
    """Aligned plain text, for pipes and files."""
    for line in headline(summary):
        print(line, file=out)
    for title, headers, rows in display_tables(summary):
        plain_table(title, headers, rows, out)
    if summary["extremes"]:
        print("\nReplay", file=out)
        for line in replay_lines(summary):
            print(line, file=out)


def render_rich(summary: dict, out: TextIO) -> None:
    """Rich tables, for a terminal."""
    from rich.console import Console

    console = Console(file=out)
    for line in headline(summary):
        console.print(line, highlight=False, markup=False)
    for title, headers, rows in display_tables(summary):
        rich_table(console, title, headers, rows)
    if summary["extremes"]:
        console.print("\nReplay", style="bold")
        for line in replay_lines(summary):
            console.print(line, soft_wrap=True, highlight=False, markup=False)


# ---------------------------------------------------------------- exports


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


def write_json(summary: dict, out: TextIO) -> None:
    json.dump(_jsonable(summary), out, indent=1, ensure_ascii=False)
    out.write("\n")


def _export(summary: dict, directory: str | os.PathLike, kind: str, write_table: Callable[[Path, list[str], list[list[Any]]], None]) -> list[Path]:
    """One file per table in `directory` (created if needed), each written atomically; returns the files."""
    directory = Path(directory)
    written = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, (columns, rows) in frames(summary).items():
            target = directory / f"{name}.{kind}"
            tmp = target.with_name(f".{target.name}.tmp")
            write_table(tmp, columns, rows)
            os.replace(tmp, target)
            written.append(target)
    except OSError as e:
        raise ReportError(f"cannot write {kind} files to {directory}: {e}") from None
    return written


def _csv_table(path: Path, columns: list[str], rows: list[list[Any]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        w.writerows([["" if v is None else v for v in r] for r in rows])


def _parquet_table(path: Path, columns: list[str], rows: list[list[Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)}), path)


def write_csv(summary: dict, directory: str | os.PathLike) -> list[Path]:
    return _export(summary, directory, "csv", _csv_table)


def parquet_available() -> bool:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def write_parquet(summary: dict, directory: str | os.PathLike) -> list[Path]:
    """Needs pyarrow (the `parquet` extra)."""
    return _export(summary, directory, "parquet", _parquet_table)


def run_report(path: str, as_json: bool = False, csv_dir: str | None = None, parquet_dir: str | None = None, out: TextIO | None = None, err: TextIO | None = None) -> None:
    """What `gridlock report` does: summarise, then print (JSON, rich or plain) and export."""
    out = out or sys.stdout
    err = err or sys.stderr
    summary = summarise(path)
    if as_json:
        write_json(summary, out)
    elif out.isatty():
        render_rich(summary, out)
    else:
        render_plain(summary, out)
    if csv_dir:
        files = write_csv(summary, csv_dir)
        print(f"wrote {len(files)} CSV files to {csv_dir}", file=err)
    if parquet_dir:
        if not parquet_available():
            print("Parquet export needs pyarrow: pip install 'gridlock[parquet]' (skipped)", file=err)
        else:
            files = write_parquet(summary, parquet_dir)
            print(f"wrote {len(files)} Parquet files to {parquet_dir}", file=err)
