"""The gridlock command: parse, call, print. Exit 0 on success, 2 for bad input, never a traceback for it."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from . import __version__
from .debrief.command import DebriefError
from .tournament import TournamentError

EXIT_OK = 0
EXIT_INPUT = 2


class InputError(Exception):
    """A user's mistake: printed as one clear message, exit 2."""


def _seat(text: str) -> tuple[str, str]:
    cid, sep, agent = text.partition("=")
    if not sep or not cid or not agent:
        raise argparse.ArgumentTypeError(f"--seat takes COMPANY=AGENT, got {text!r}")
    return cid.strip(), agent.strip()


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a whole number, got {text!r}") from None
    if v < 0 or v >= 2**63:
        raise argparse.ArgumentTypeError(f"seed must be between 0 and 2^63-1, got {v}")
    return v


def _seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0.01 <= v <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0.01 and 3600 seconds, got {text}")
    return v


def _load(name: str, overrides: list[str] | None = None):
    from .scenario import ScenarioError, load_scenario

    try:
        return load_scenario(name, overrides or ())
    except ScenarioError as e:
        raise InputError("the scenario has problems:\n" + "\n".join(f"  {p}" for p in e.problems)) from None


def cmd_run(args: argparse.Namespace) -> int:
    from .agents import UnknownAgent
    from .agents.catalogue import check_file_seats
    from .agents.external import configure_bots, in_process
    from .report import result_json, text_report
    from .runner import play, seat_agents
    from .saves import SaveError, load_game, save_game

    seats = dict(args.seat or [])
    if len(seats) != len(args.seat or []):
        raise InputError("a company is seated twice")
    if args.load and getattr(args, "overrides", None):
        raise InputError("--set cannot change the scenario of a saved game (--load)")
    if args.load:
        try:
            game, data = load_game(args.load)  # every check on the file happens here
            spec, seed = game.spec, game.seed
            saved = data.get("seats")
            # a seat a person played (gridlock play) goes to the company's default agent here
            saved = {k: v for k, v in saved.items() if k in spec.companies and isinstance(v, str) and v != "human"} if isinstance(saved, dict) else {}
            saved = {k: v for k, v in saved.items() if k not in seats}
            check_file_seats(saved, args.load, args.trust_file_seats)  # a save file must not name code to run; a person may
            _note_scenario_drift(game.spec, args.load)
            agents = seat_agents(spec, seed, {**saved, **seats}, trust_file_seats=args.trust_file_seats)
            # replay once more with the agents watching, so stateful ones pick up where they were
            # (bot processes are not shown the past: they start afresh at the current quarter)
            game, _ = load_game(args.load, in_process(agents))
        except (SaveError, UnknownAgent, ValueError) as e:
            raise InputError(str(e)) from None
    else:
        spec = _load(args.scenario, getattr(args, "overrides", None))
        seed = args.seed
        try:
            agents = seat_agents(spec, seed, seats, trust_file_seats=args.trust_file_seats)
        except (UnknownAgent, ValueError) as e:
            raise InputError(str(e)) from None
        from .engine import Game

        game = Game(spec, seed)
    if args.quarters is not None and args.quarters < 1:
        raise InputError(f"--quarters must be at least 1 (got {args.quarters}): it counts the quarters to play before stopping")
    user = None
    if getattr(args, "bot_user", None):
        from .agents.external import bot_user

        try:
            user = bot_user(args.bot_user)
        except ValueError as e:
            raise InputError(str(e)) from None
        os.umask(0o077)  # what this run writes (saves, logs) is not for the bots' user to read
    configure_bots(agents, time_limit_s=getattr(args, "bot_timeout", None), log_dir=getattr(args, "bot_log_dir", None), user=user)
    try:
        game, result = play(spec, seed, agents, game, max_quarters=args.quarters)
    except UnknownAgent as e:  # a bot that cannot be started at all
        raise InputError(str(e)) from None
    names = {cid: a.name for cid, a in agents.items()}
    if args.save:
        try:
            save_game(game, args.save, names)
        except OSError as e:
            raise InputError(f"cannot write the save {args.save}: {e}") from None
    if args.json:
        json.dump(result_json(game, result, agents), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(text_report(game, result, agents))
        if args.save:
            print(f"\nSaved to {args.save}")
    return EXIT_OK


def _note_scenario_drift(spec, path: str) -> None:
    """Say so when a save plays its own edited copy of a shipped scenario (its checksum cannot tell)."""
    from .saves import scenario_drift

    note = scenario_drift(spec)
    if note:
        print(f"gridlock: note: {path}: {note}", file=sys.stderr)


def cmd_scenario_check(args: argparse.Namespace) -> int:
    spec = _load(args.path)
    print(f"{spec.source}: OK — {spec.game.name}: {spec.game.quarters} quarters from {spec.game.start}, {len(spec.regions)} regions, {len(spec.generations)} generations, {len(spec.companies)} companies, {len(spec.events)} events")
    return EXIT_OK


def cmd_scenario_list(args: argparse.Namespace) -> int:
    from .scenario import available_scenarios, load_scenario, ScenarioError

    for name in available_scenarios():
        try:
            s = load_scenario(name)
            print(f"{name:<20} {s.game.quarters:>3} quarters  {s.game.description}")
        except ScenarioError as e:
            print(f"{name:<20} (invalid: {len(e.problems)} problems)")
    return EXIT_OK


def cmd_agents(args: argparse.Namespace) -> int:
    from .agents.catalogue import rows, table

    if args.json:
        picked = [r for r in rows() if args.archetype is None or r["archetype"] in (args.archetype, "any")]
        json.dump(picked, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(table(args.archetype, full=args.all))
    return EXIT_OK


def cmd_agents_new(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .agents.catalogue import new_agent_file

    try:
        path, cls = new_agent_file(args.name, Path(args.dir))
    except ValueError as e:
        raise InputError(str(e)) from None
    seat = path if path.is_absolute() or str(path).startswith(".") else f"./{path}"
    print(f"Wrote {path} (class {cls}). Try it:  gridlock run --seat corecell={seat}:{cls}")
    return EXIT_OK


def cmd_rl(args: argparse.Namespace) -> int:
    """The RL adapter's observation and action layout for a scenario (docs/rl.md explains it)."""
    try:
        from .rl.encoding import Encoding
    except ImportError as e:
        raise InputError(f"the RL adapter needs the [rl] extra ({e.name} is missing): pip install -e '.[rl]'") from None
    try:
        layout = Encoding(_load(args.scenario), args.region_slots, args.generation_slots).layout()
    except ValueError as e:
        raise InputError(str(e)) from None
    if args.json:
        print(json.dumps(layout, indent=1))
        return EXIT_OK
    print(f"{layout['scenario']}: observation {layout['observation_size']} float32 slots; action {layout['action_dimensions']} discrete dimensions; mask {layout['mask_size']} entries")
    print("\nobservation:")
    print("\n".join(f"  {i:>4}  {label}" for i, label in enumerate(layout["observation"])))
    print("\naction:")
    print("\n".join(f"  {i:>4}  {d['dimension']:<22} {' | '.join(d['choices'])}" for i, d in enumerate(layout["action"])))
    return EXIT_OK


def cmd_play(args: argparse.Namespace) -> int:
    """Open the terminal UI (game.tui); a bad scenario or save is refused before it starts."""
    from .saves import SaveError
    from .session import Session

    session = None
    saves = args.saves_dir
    if saves is not None and saves.exists() and not saves.is_dir():
        raise InputError(f"--saves-dir {saves}: not a folder")
    if args.load:
        try:
            session = Session.load(args.load, saves)
        except (SaveError, ValueError) as e:
            raise InputError(str(e)) from None
        _note_scenario_drift(session.spec, args.load)
    elif args.scenario is not None:
        spec = _load(args.scenario)
        from .session import HUMAN

        first = next(iter(spec.companies))
        session = Session.start(spec, args.seed if args.seed is not None else _random_seed(), {first: HUMAN}, saves)
    from .tui.app import GridlockApp

    app = GridlockApp(session, saves_dir=saves, seed=args.seed)
    app.run()
    return app.return_code or EXIT_OK  # 128 + the signal when SIGTERM or SIGHUP ended it


def _random_seed() -> int:
    from .session import random_seed

    return random_seed()


def cmd_report(args: argparse.Namespace) -> int:
    from .tournament.report import ReportError, run_report

    try:
        run_report(args.path, as_json=args.json, csv_dir=args.csv, parquet_dir=args.parquet)
        if args.html:
            from .debrief.tournament import write

            print(f"wrote {write(args.path, args.html)}", file=sys.stderr)
    except ReportError as e:
        raise InputError(str(e)) from None
    except OSError as e:
        raise InputError(f"cannot write {args.html}: {e.strerror or e}") from None
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gridlock", description="Gridlock: a strategy simulator of the AI-infrastructure market.")
    p.add_argument("--version", action="version", version=f"gridlock {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="play one headless game with agents and print the report",
        description="Play one headless game: every company is run by an agent (its scenario default unless --seat says otherwise).",
        epilog="Example: gridlock run --scenario baseline --seed 7 --seat corecell=random --save saves/g7.json\n"
        'External bot: gridlock run --seat corecell=cmd:"python3 examples/bots/steady.py" (docs/bot-protocol.md)',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--scenario", default="baseline", help="a shipped scenario name or a path to a .toml file (default: baseline)")
    run.add_argument("--seed", type=_seed, default=0, help="the game seed; the same seed gives the same game (default: 0)")
    run.add_argument("--seat", type=_seat, action="append", metavar="COMPANY=AGENT", help="seat an agent at a company; repeatable (see `gridlock agents`)")
    run.add_argument("--save", metavar="PATH", help="write the finished game to this save file")
    run.add_argument("--load", metavar="PATH", help="continue a saved game to the end instead of starting one")
    run.add_argument("--quarters", type=int, metavar="N", help="stop after N more quarters (with --save, to continue later with --load)")
    run.add_argument("--json", action="store_true", help="print a machine-readable result as JSON instead of the report")
    run.add_argument("--set", action="append", dest="overrides", metavar="KEY=VALUE", help="override a scenario setting, e.g. regions.ercot.queue_wait_quarters_max=8; repeatable")
    run.add_argument("--trust-file-seats", action="store_true", help="let the scenario's or the save's seats name plug-in files, modules and bot processes (runs their code; off by default: docs/trust.md)")
    run.add_argument("--bot-timeout", type=_seconds, metavar="SECONDS", help="each quarter's time limit for cmd: bots (default: the scenario's rules.bot_quarter_time_limit_s)")
    run.add_argument("--bot-user", metavar="USER", help="when Gridlock runs as root: run each cmd: bot as this unprivileged user, e.g. nobody (docs/bot-protocol.md)")
    run.add_argument("--bot-log-dir", metavar="DIR", default="bot-logs", help="where each cmd: bot's stderr goes, one COMPANY.log per seat (default: bot-logs)")
    run.set_defaults(func=cmd_run)

    sc = sub.add_parser("scenario", help="check or list scenarios", description="Work with scenario files.")
    scs = sc.add_subparsers(dest="scenario_command", metavar="ACTION")
    chk = scs.add_parser("check", help="validate a scenario file and list every problem", description="Validate a scenario: types, ranges and references, every problem at once. Exit 0 if valid, 2 if not.")
    chk.add_argument("path", help="a scenario name or .toml path")
    chk.set_defaults(func=cmd_scenario_check)
    ls = scs.add_parser("list", help="list the shipped scenarios")
    ls.set_defaults(func=cmd_scenario_list)
    sc.set_defaults(func=lambda a: (sc.print_help(), EXIT_INPUT)[1])

    ag = sub.add_parser(
        "agents",
        help="list the built-in agents, or start a plug-in agent",
        description="List the built-in agents: archetype, whether they draw random numbers, thesis and parameters.",
        epilog="Seat one: gridlock run --seat corecell=landgrab:leverage=0.8 — or your own: --seat corecell=./my_agent.py:MyAgent",
    )
    ag.add_argument("--json", action="store_true", help="print the list as JSON, every parameter with its default")
    ag.add_argument("--all", action="store_true", help="list every parameter of each agent, not only those it sets itself")
    ag.add_argument("--archetype", choices=["hyperscaler", "neocloud"], help="only agents that can play a hyperscaler or a neocloud")
    ag.set_defaults(func=cmd_agents)
    ags = ag.add_subparsers(dest="agents_command", metavar="ACTION")
    new = ags.add_parser("new", help="write a documented starting file for your own agent", description="Write NAME.py in --dir: a documented template agent that plays legal orders. Never overwrites a file.")
    new.add_argument("name", help="the agent's name, a Python identifier (the file is NAME.py)")
    new.add_argument("--dir", default=".", help="the directory to write it in (default: the current one)")
    new.set_defaults(func=cmd_agents_new)

    pl = sub.add_parser(
        "play",
        help="play in the terminal (Textual UI), against agents or hot-seat",
        description="Play Gridlock in the terminal. Without options a new-game screen asks for the scenario, seed and seats.",
        epilog="Example: gridlock play --scenario tutorial --seed 7   (you run the first company; agents the rest)",
    )
    pl.add_argument("--scenario", help="start this scenario at once (name or path), you at the first company")
    pl.add_argument("--seed", type=_seed, help="game seed (default: random, shown on screen)")
    pl.add_argument("--load", metavar="PATH", help="continue a saved game")
    pl.add_argument(
        "--saves-dir", type=Path, metavar="DIR",
        help="where saves and the autosave go (default: $GRIDLOCK_SAVES, else the user data folder, e.g. ~/.local/share/gridlock/saves)",
    )
    pl.set_defaults(func=cmd_play)

    from .tournament.command import add_lab_parsers, add_parsers

    add_parsers(sub, _seed)  # tournament, sweep
    add_lab_parsers(sub, _seed)  # facts, balance
    from .debrief.command import add_parsers as add_debrief

    add_debrief(sub)  # debrief, replay
    from .workshop.command import add_parsers as add_workshop_parsers

    add_workshop_parsers(sub, _seed)  # workshop new/serve, join, facilitate

    rl = sub.add_parser("rl", help="show the RL observation and action layout", description="Show the reinforcement-learning observation slots and action dimensions for a scenario (docs/rl.md).")
    rl.add_argument("--scenario", default="tutorial", help="scenario name or path (default: tutorial)")
    rl.add_argument("--region-slots", type=int, help="pad the region block to this many slots")
    rl.add_argument("--generation-slots", type=int, help="pad the generation block to this many slots")
    rl.add_argument("--json", action="store_true", help="print the layout as JSON")
    rl.set_defaults(func=cmd_rl)
    rp = sub.add_parser(
        "report",
        help="summarise a tournament's results file (also while it is still running)",
        description="Per-agent win rates with Wilson intervals, scores with bootstrap intervals, a pairwise matrix, results by seat and archetype, openskill ratings and the most extreme games with the command that replays each.",
        epilog="Example: gridlock report results.sqlite --csv out/ --json > summary.json",
    )
    rp.add_argument("path", help="a results file written by `gridlock tournament`")
    rp.add_argument("--json", action="store_true", help="print the summary as JSON instead of tables")
    rp.add_argument("--csv", metavar="DIR", help="also write one CSV file per table into DIR")
    rp.add_argument("--parquet", metavar="DIR", help="also write one Parquet file per table into DIR (needs pyarrow)")
    rp.add_argument("--html", metavar="FILE", help="also write a self-contained HTML page: score distributions, head-to-head heatmap, win rates, ratings, and the commands that debrief the extreme games")
    rp.set_defaults(func=cmd_report)
    return p


class Stopped(BaseException):
    """SIGTERM or SIGHUP: unwinds like Ctrl-C, so every bot is stopped and what is stored stays."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop(signum, _frame):
    raise Stopped(signum)


SEED_FD = "--seed-fd="  # after a re-exec: the seed is read from this inherited pipe, not argv


def _seed_hidden(argv: list[str]) -> list[str]:
    """Keep the seed out of this process's command line, which any process of the same user can
    read (/proc/PID/cmdline): when bot processes may be seated, re-execute without --seed and
    pass it through a pipe. After the re-exec, put it back into the arguments parsed."""
    for i, word in enumerate(argv):
        if word.startswith(SEED_FD):
            fd = int(word[len(SEED_FD) :])
            with os.fdopen(fd, "rb") as f:
                return [*argv[:i], "--seed", f.read().decode(), *argv[i + 1 :]]
    if not any("cmd:" in w for w in argv) and "--trust-file-seats" not in argv:
        return argv  # no bot process can be seated: nothing to hide from
    for i, word in enumerate(argv):
        if word == "--seed" and i + 1 < len(argv):
            seed, rest = argv[i + 1], [*argv[:i], *argv[i + 2 :]]
        elif word.startswith("--seed="):
            seed, rest = word[len("--seed=") :], [*argv[:i], *argv[i + 1 :]]
        else:
            continue
        r, w = os.pipe()
        os.write(w, seed.encode())
        os.close(w)
        os.set_inheritable(r, True)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, *_interpreter_flags(), "-m", "game", *rest, f"{SEED_FD}{r}"])
    return argv


def _interpreter_flags() -> list[str]:
    return [f"-X{k}" if v is True else f"-X{k}={v}" for k, v in sys._xoptions.items()]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    if argv is None:  # the real command line (not a test calling main): hide the seed from bots
        argv = _seed_hidden(sys.argv[1:])
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_INPUT
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if s is not None:
                handlers[s] = signal.signal(s, _stop)
    try:
        return args.func(args)
    except (InputError, TournamentError, DebriefError) as e:
        print(f"gridlock: {e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("gridlock: interrupted", file=sys.stderr)
        return 130
    except Stopped as e:
        print(f"gridlock: stopped by {signal.Signals(e.signum).name}; every bot was stopped", file=sys.stderr)
        return 128 + e.signum
    except BrokenPipeError:
        return EXIT_OK
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
