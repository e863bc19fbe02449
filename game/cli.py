"""The gridlock command: parse, call, print. Exit 0 on success, 2 for bad input, never a traceback for it."""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__

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


def _load(name: str):
    from .scenario import ScenarioError, load_scenario

    try:
        return load_scenario(name)
    except ScenarioError as e:
        raise InputError("the scenario has problems:\n" + "\n".join(f"  {p}" for p in e.problems)) from None


def cmd_run(args: argparse.Namespace) -> int:
    from .agents import UnknownAgent
    from .report import result_json, text_report
    from .runner import play, seat_agents
    from .saves import SaveError, load_game, save_game

    seats = dict(args.seat or [])
    if len(seats) != len(args.seat or []):
        raise InputError("a company is seated twice")
    if args.load:
        try:
            game, data = load_game(args.load)  # every check on the file happens here
            spec, seed = game.spec, game.seed
            saved = data.get("seats")
            # a seat a person played (gridlock play) goes to the company's default agent here
            saved = {k: v for k, v in saved.items() if k in spec.companies and isinstance(v, str) and v != "human"} if isinstance(saved, dict) else {}
            agents = seat_agents(spec, seed, {**saved, **seats})
            # replay once more with the agents watching, so stateful ones pick up where they were
            game, _ = load_game(args.load, agents)
        except (SaveError, UnknownAgent, ValueError) as e:
            raise InputError(str(e)) from None
    else:
        spec = _load(args.scenario)
        seed = args.seed
        try:
            agents = seat_agents(spec, seed, seats)
        except (UnknownAgent, ValueError) as e:
            raise InputError(str(e)) from None
        from .engine import Game

        game = Game(spec, seed)
    if args.quarters is not None and args.quarters < 0:
        raise InputError("--quarters must not be negative")
    game, result = play(spec, seed, agents, game, max_quarters=args.quarters)
    names = {cid: a.name for cid, a in agents.items()}
    if args.save:
        try:
            save_game(game, args.save, names)
        except OSError as e:
            raise InputError(f"cannot write the save {args.save}: {e}") from None
    if args.json:
        json.dump(result_json(game, result), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(text_report(game, result))
        if args.save:
            print(f"\nSaved to {args.save}")
    return EXIT_OK


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
    from .agents import REGISTRY

    for name, (cls, archetype, thesis) in sorted(REGISTRY.items()):
        print(f"{name:<14} {archetype:<12} {thesis}")
    return EXIT_OK


def cmd_play(args: argparse.Namespace) -> int:
    """Open the terminal UI (game.tui); a bad scenario or save is refused before it starts."""
    from .saves import SaveError
    from .session import Session

    session = None
    if args.load:
        try:
            session = Session.load(args.load)
        except (SaveError, ValueError) as e:
            raise InputError(str(e)) from None
    elif args.scenario is not None:
        spec = _load(args.scenario)
        from .session import HUMAN

        first = next(iter(spec.companies))
        session = Session.start(spec, args.seed if args.seed is not None else _random_seed(), {first: HUMAN})
    from .tui.app import GridlockApp

    GridlockApp(session, seed=args.seed).run()
    return EXIT_OK


def _random_seed() -> int:
    from .session import random_seed

    return random_seed()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gridlock", description="Gridlock: a strategy simulator of the AI-infrastructure market.")
    p.add_argument("--version", action="version", version=f"gridlock {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="play one headless game with agents and print the report",
        description="Play one headless game: every company is run by an agent (its scenario default unless --seat says otherwise).",
        epilog="Example: gridlock run --scenario baseline --seed 7 --seat corecell=random --save saves/g7.json",
    )
    run.add_argument("--scenario", default="baseline", help="a shipped scenario name or a path to a .toml file (default: baseline)")
    run.add_argument("--seed", type=_seed, default=0, help="the game seed; the same seed gives the same game (default: 0)")
    run.add_argument("--seat", type=_seat, action="append", metavar="COMPANY=AGENT", help="seat an agent at a company; repeatable (see `gridlock agents`)")
    run.add_argument("--save", metavar="PATH", help="write the finished game to this save file")
    run.add_argument("--load", metavar="PATH", help="continue a saved game to the end instead of starting one")
    run.add_argument("--quarters", type=int, metavar="N", help="stop after N more quarters (with --save, to continue later with --load)")
    run.add_argument("--json", action="store_true", help="print a machine-readable result as JSON instead of the report")
    run.set_defaults(func=cmd_run)

    sc = sub.add_parser("scenario", help="check or list scenarios", description="Work with scenario files.")
    scs = sc.add_subparsers(dest="scenario_command", metavar="ACTION")
    chk = scs.add_parser("check", help="validate a scenario file and list every problem", description="Validate a scenario: types, ranges and references, every problem at once. Exit 0 if valid, 2 if not.")
    chk.add_argument("path", help="a scenario name or .toml path")
    chk.set_defaults(func=cmd_scenario_check)
    ls = scs.add_parser("list", help="list the shipped scenarios")
    ls.set_defaults(func=cmd_scenario_list)
    sc.set_defaults(func=lambda a: (sc.print_help(), EXIT_INPUT)[1])

    ag = sub.add_parser("agents", help="list the built-in agents", description="List the built-in agents with their archetype and thesis.")
    ag.set_defaults(func=cmd_agents)

    pl = sub.add_parser(
        "play",
        help="play in the terminal (Textual UI), against agents or hot-seat",
        description="Play Gridlock in the terminal. Without options a new-game screen asks for the scenario, seed and seats.",
        epilog="Example: gridlock play --scenario tutorial --seed 7   (you run the first company; agents the rest)",
    )
    pl.add_argument("--scenario", help="start this scenario at once (name or path), you at the first company")
    pl.add_argument("--seed", type=_seed, help="game seed (default: random, shown on screen)")
    pl.add_argument("--load", metavar="PATH", help="continue a saved game")
    pl.set_defaults(func=cmd_play)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_INPUT
    try:
        return args.func(args)
    except InputError as e:
        print(f"gridlock: {e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("gridlock: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
