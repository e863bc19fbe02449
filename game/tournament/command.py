"""The `tournament` and `sweep` subcommands: their arguments, and turning them into runs."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys

from . import SEATINGS, TournamentError



def _common(p: argparse.ArgumentParser, seed_type) -> None:
    p.add_argument("--scenario", default="baseline", help="a shipped scenario name or a .toml path (default: baseline)")
    p.add_argument("--agents", help="comma-separated agent specs to rotate through the seats, e.g. hyperscaler,neocloud:ambition=1.2,mybots.py:Bold (default: every registered agent that has a seat in the scenario)")
    p.add_argument("--games", type=int, default=100, help="games to play (default: 100)")
    p.add_argument("--seed", type=seed_type, default=0, help="tournament seed; game i's seed and seats derive from it and i (default: 0)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: one per core; 0 plays in this process)")
    p.add_argument("--backend", choices=("process", "dask"), default="process", help="local process pool, or Dask distributed (needs gridlock[cluster])")
    p.add_argument("--address", metavar="tcp://HOST:8786", help="with --backend dask: an existing scheduler (default: a local cluster on 127.0.0.1)")
    p.add_argument("--batch-size", type=int, metavar="N", help="games per task (default: automatic, at most 16 and shrinking towards the end so the workers finish together); does not change results")
    p.add_argument("--seating", choices=SEATINGS, default="random", help="who sits where: random (default; a seeded draw per game, each agent at most once per game where there are enough), round-robin (every line-up equally often; --games must be a multiple of their number), paired (games 2i and 2i+1 share a seed and differ in one seat: narrower intervals in the report) or rotate (the old fixed rotation)")
    p.add_argument("--resume", action="store_true", help="continue a killed or interrupted run with the same settings")
    p.add_argument("--game-timeout", type=float, metavar="SECONDS", help="a game still running after this long is stopped, stored as an error row, and its worker replaced (default: no limit)")


def add_parsers(sub, seed_type) -> None:
    t = sub.add_parser(
        "tournament",
        help="play many seeded headless games in parallel and store every result",
        description="Play many seeded games, rotating the agents through the seats, and store every result in SQLite. "
        "Results depend only on the settings, never on --workers or --backend.",
        epilog="Example: gridlock tournament --scenario baseline --agents hyperscaler,neocloud,random --games 1000 --db results.sqlite. "
        "What-if: gridlock tournament --from saves/g7.json --games 200 --human-agent neocloud",
    )
    _common(t, seed_type)
    t.add_argument("--set", action="append", default=[], dest="overrides", metavar="KEY=VALUE", help="override a scenario setting, e.g. regions.ercot.queue_wait_quarters_max=8; repeatable")
    t.add_argument("--db", default="results.sqlite", help="the results database (default: results.sqlite)")
    t.add_argument("--from", dest="from_save", metavar="SAVE", help="what-if: continue this save --games times, each with a different future")
    t.add_argument("--human-agent", metavar="AGENT", help="with --from: the agent that plays the seats a person played")
    t.set_defaults(func=cmd_tournament)

    s = sub.add_parser(
        "sweep",
        help="one tournament per combination of scenario settings, over the same seeds",
        description="Run the same tournament (same seeds, same seats) at every combination of the --set values and show how each agent's outcomes move.",
        epilog="Example: gridlock sweep --scenario baseline --set regions.ercot.queue_wait_quarters_max=4,8,12 --agents hyperscaler,neocloud --games 200",
    )
    _common(s, seed_type)
    s.add_argument("--set", action="append", default=[], dest="axes", metavar="KEY=V1,V2,…", help="a setting and the values to try; several --set give every combination")
    s.add_argument("--db-dir", default="sweep-results", help="where each combination's database goes (default: sweep-results)")
    s.set_defaults(func=cmd_sweep)


def _lab(p: argparse.ArgumentParser, seed_type) -> None:
    p.add_argument("--scenario", default="baseline", help="a shipped scenario name or a .toml path (default: baseline)")
    p.add_argument("--games", type=int, default=300, help="seeded games to play (default: 300)")
    p.add_argument("--seed", type=seed_type, default=0, help="game i has the seed a tournament with this seed gives game i (default: 0)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: one per core; 0 plays in this process); never changes the results")
    p.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")


def add_lab_parsers(sub, seed_type) -> None:
    f = sub.add_parser(
        "facts",
        help="check the stylised facts a scenario's [targets] table claims",
        description="Play seeded games of the scenario with its own agents and print, per fact of its [targets] table, the measured mean with a 95% interval, "
        "the band, and whether it held. Exit 0 if every fact held, 1 if any did not, 2 for bad input.",
        epilog="Example: gridlock facts --scenario baseline --games 300; how a lever moves every fact: gridlock facts --games 200 --set vendors.nvidia.supply_multiplier=0.5",
    )
    _lab(f, seed_type)
    f.add_argument("--set", action="append", default=[], dest="overrides", metavar="KEY=VALUE", help="play the same games with this change too and show how each fact moves; repeatable")
    f.set_defaults(func=cmd_facts)

    b = sub.add_parser(
        "balance",
        help="the empirical meta-game: payoffs by seat, equilibrium mixtures, degenerate play",
        description="Play seeded games with the agents drawn at random into the seats of their archetype and analyse the empirical game: "
        "the payoff table of agents by seat, an equilibrium mixture per archetype (alpha-rank and replicator dynamics) with bootstrap intervals, "
        "dominated strategies and best responses, and flags for degenerate play.",
        epilog="Example: gridlock balance --scenario baseline --games 2000 --html balance.html",
    )
    _lab(b, seed_type)
    b.add_argument("--agents", help="comma-separated agent specs (default: every registered agent that has a seat, idle included)")
    b.add_argument("--html", metavar="PATH", help="also write a self-contained HTML report with charts")
    b.add_argument("--bootstrap", type=int, default=200, metavar="N", help="bootstrap resamples of the games for the intervals (default: 200)")
    b.set_defaults(func=cmd_balance)


def cmd_facts(args: argparse.Namespace) -> int:
    from .facts import FactsRun, fact_rows, facts_json
    from .progress import progress_for
    from .report import show_tables, write_json

    run = FactsRun(args.scenario, args.games, args.seed, tuple(args.overrides), args.workers, lambda label: progress_for(sys.stderr, label))
    facts = run.facts()
    if args.json:
        write_json(facts_json(run, facts), sys.stdout)
    else:
        headers, rows = fact_rows(facts, bool(run.overrides))
        title = f"Facts of {run.spec.game.name} ({run.spec.source}), {run.games} games from seed {run.seed}" + (f", with {' '.join(run.overrides)}" if run.overrides else "")
        notes = [f"{f.name}: {f.source}" for f in facts]
        show_tables([], [(title, headers, rows)], sys.stdout, ["", "Sources:", *notes, "", f"{sum(f.held for f in facts)} of {len(facts)} facts held"])
    return 0 if all(f.held for f in facts) else 1


def cmd_balance(args: argparse.Namespace) -> int:
    from .balance import balance_json, balance_tables, run_balance, write_html
    from .progress import progress_for
    from .report import show_tables, write_json
    from .schedule import split_agents

    agents = tuple(split_agents(args.agents)) if args.agents else ()
    if args.bootstrap < 0:
        raise TournamentError(f"--bootstrap must be 0 or more, got {args.bootstrap}")
    result = run_balance(args.scenario, args.games, args.seed, agents, args.workers, args.bootstrap, progress_for(sys.stderr, "balance"))
    if args.json:
        write_json(balance_json(result), sys.stdout)
    else:
        lines, tables, notes = balance_tables(result)
        show_tables(lines, tables, sys.stdout, notes)
    if args.html:
        write_html(result, args.html)
        print(f"wrote {args.html}", file=sys.stderr)
    return 0


def _config(args, overrides):
    from .run import TournamentConfig
    from .schedule import split_agents

    if getattr(args, "from_save", None):
        if args.agents is not None:
            raise TournamentError("--agents does not apply to a what-if (--from): the save says who sits where; name the agent for human seats with --human-agent")
        agents: tuple[str, ...] = ()
    elif args.agents is None:
        agents = ()  # every agent that has a seat in the scenario
    else:
        agents = tuple(split_agents(args.agents))
    if args.batch_size is not None and args.batch_size < 1:
        raise TournamentError(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.address and args.backend != "dask":
        raise TournamentError("--address needs --backend dask")
    return TournamentConfig(
        scenario=args.scenario,
        agents=agents,
        games=args.games,
        seed=args.seed,
        overrides=tuple(overrides),
        from_save=getattr(args, "from_save", None),
        human_agent=getattr(args, "human_agent", None),
        seating=args.seating,
    )


def _run_kw(args) -> dict:
    if args.game_timeout is not None and not 0 < args.game_timeout <= 10**6:
        raise TournamentError(f"--game-timeout must be a number of seconds above 0, got {args.game_timeout:g}")
    return {"workers": args.workers, "backend": args.backend, "address": args.address, "batch_size": args.batch_size, "game_timeout_s": args.game_timeout}


def cmd_tournament(args: argparse.Namespace) -> int:
    from .aggregate import outcomes, outcomes_table
    from .progress import progress_for
    from .report import replay_command
    from .run import run_tournament
    from .store import meta, open_existing

    cfg = _config(args, args.overrides)
    try:
        out = run_tournament(cfg, args.db, resume=args.resume, progress=progress_for(sys.stderr), **_run_kw(args))
    except KeyboardInterrupt:
        print(f"\ngridlock: interrupted; the games stored in {args.db} are kept: add --resume to the same command to continue", file=sys.stderr)
        raise
    rate = out.played / out.seconds if out.seconds > 0 else 0.0
    print(f"{out.games} games stored in {out.db} ({out.played} played now in {out.seconds:.1f}s, {rate:.1f} games/s; {out.errors} errors)")
    if cfg.from_save:
        print()
        print(outcomes_table(outcomes(out.db, by="company"), f"what-if from {cfg.from_save}"))
    if out.errors:
        db = open_existing(out.db)
        idx, seed, seats = db.execute("SELECT idx, seed, seats FROM games WHERE status = 'error' ORDER BY idx LIMIT 1").fetchone()
        command = replay_command(json.loads(meta(db)["config"]), seed, seats)
        db.close()
        print(f"first error: game {idx}; its traceback is in the games table." + (f" Replay: {command}" if command else ""))
    print(f"results digest: {out.digest}")
    if not cfg.from_save:
        print(f"next: gridlock report {shlex.quote(str(out.db))}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from .progress import progress_for
    from .sweep import parse_axis, run_sweep, sweep_table

    if not args.axes:
        raise TournamentError("a sweep needs at least one --set KEY=V1,V2,…")
    axes = [parse_axis(a) for a in args.axes]
    cfg = _config(args, ())
    points = run_sweep(cfg, axes, args.db_dir, resume=args.resume, progress_for=lambda label: progress_for(sys.stderr, label), **_run_kw(args))
    for p in points:
        print(f"{' '.join(p.overrides)}: {p.outcome.games} games, {p.outcome.errors} errors -> {p.outcome.db}")
    print()
    print(sweep_table(points))
    return 0
