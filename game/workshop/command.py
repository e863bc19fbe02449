"""`gridlock workshop new|serve`, `gridlock join` and `gridlock facilitate`: parse, call, print."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

EXIT_OK, EXIT_INPUT = 0, 2


def _fail(message: str) -> int:
    print(f"gridlock: {message}", file=sys.stderr)
    return EXIT_INPUT


def _pairs(text: str) -> dict[str, str]:
    out = {}
    for part in filter(None, (x.strip() for x in text.split(","))):
        cid, sep, agent = part.partition("=")
        if not sep or not cid.strip() or not agent.strip():
            raise argparse.ArgumentTypeError(f"--agents takes COMPANY=AGENT,…, got {part!r}")
        out[cid.strip()] = agent.strip()
    return out


def _teams(text: str) -> list[str]:
    teams = [x.strip() for x in text.split(",") if x.strip()]
    if not teams:
        raise argparse.ArgumentTypeError("--teams takes COMPANY,COMPANY,…")
    return teams


def _bounded(cast: type, low: float, high: float, what: str) -> Callable[[str], Any]:
    """An argparse type: a number of `cast` within [low, high], or one sentence saying why not."""

    def parse(text: str) -> Any:
        try:
            v = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a {'whole ' if cast is int else ''}number, got {text!r}") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low:g} and {high:g}, got {text}")
        return v

    return parse


_minutes = _bounded(float, 0.1, 600, "minutes")
_port = _bounded(int, 0, 65535, "a port")


def cmd_new(args: argparse.Namespace) -> int:
    from ..scenario import ScenarioError, load_scenario
    from .folder import create_workshop
    from .room import CommandError
    from .store import LogError

    try:
        spec = load_scenario(args.scenario)
    except ScenarioError as e:
        return _fail("the scenario has problems:\n" + "\n".join(f"  {p}" for p in e.problems))
    try:
        plain = create_workshop(args.dir, spec, args.seed, args.teams, args.agents or {}, args.quarter_minutes)
    except (CommandError, LogError) as e:
        return _fail(str(e))
    except OSError as e:
        return _fail(f"{args.dir}: cannot write the workshop there ({e.strerror or e})")
    if args.json:
        print(json.dumps(plain))
        return EXIT_OK
    print(f"Workshop created in {args.dir}: {spec.game.name}, seed {args.seed}.")
    print("Hand each team its code; codes are shown only now (only their hashes are kept).\n")
    width = max(len(c) for c in plain["teams"])
    for cid, code in plain["teams"].items():
        print(f"  team {cid:<{width}}  {code}")
    print(f"\n  observer (projector)  {plain['observer']}")
    print(f"  facilitator          {plain['facilitator']}   (keep this one to yourself)")
    print(f"\nNext: gridlock workshop serve {args.dir}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from aiohttp import web
    except ImportError:
        return _fail("serving a workshop needs aiohttp: pip install 'gridlock[workshop]'")
    from .folder import Workshop
    from .server import WorkshopServer
    from .store import LogError

    try:
        workshop = Workshop(args.dir)
    except LogError as e:
        return _fail(str(e))
    from .web import reachable_host

    url = f"http://{reachable_host(args.host)}:{args.port}"
    join_url = f"http://{reachable_host(args.host)}:{args.web}" if args.web is not None else url
    server = WorkshopServer(workshop, args.allow_remote_facilitator, join_url=join_url)
    room = workshop.room
    print(f"Serving {room.spec.game.name} ({room.label}, quarter {room.quarter + 1} of {room.spec.game.quarters}) at {url}", flush=True)
    print(f"Teams: gridlock join {url}    Facilitator: gridlock facilitate {url}", flush=True)
    if args.web is not None:
        print(f"Browsers: {join_url}", flush=True)
    web_runner = None
    if args.web is not None:
        web_runner = _start_web(args, url)
        if web_runner is None:
            return EXIT_INPUT
    try:
        web.run_app(server.app, host=args.host, port=args.port, print=None, handle_signals=True)
    except OSError as e:
        return _fail(f"cannot listen on {args.host}:{args.port} ({e.strerror or e})")
    finally:
        workshop.close()
        if web_runner is not None:
            web_runner.terminate()
    return EXIT_OK


def _start_web(args: argparse.Namespace, url: str) -> Any:
    """textual-serve in its own process: it runs `gridlock join URL` per browser tab; the code is
    typed into the app, never put on a command line or in the environment."""
    import subprocess

    try:
        import textual_serve  # noqa: F401
    except ImportError:
        _fail("--web needs textual-serve: pip install 'gridlock[serve]'")
        return None
    api = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"  # the tabs' apps run here
    return subprocess.Popen([sys.executable, "-m", "game.workshop.web", api, args.host, str(args.web)])


def cmd_join(args: argparse.Namespace) -> int:
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return _fail("joining a workshop needs aiohttp: pip install 'gridlock[workshop]'")
    from .join_app import JoinApp

    JoinApp(args.url, args.code).run()
    return EXIT_OK


def cmd_facilitate(args: argparse.Namespace) -> int:
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return _fail("the facilitator console needs aiohttp: pip install 'gridlock[workshop]'")
    from .console import ConsoleApp

    ConsoleApp(args.url, args.token).run()
    return EXIT_OK


def add_parsers(sub: Any, seed_type: Callable[[str], int]) -> None:
    ws = sub.add_parser("workshop", help="create or serve a workshop: a facilitator runs a room of teams over the network", description="Workshops: teams on their own laptops, a facilitator's console, a projector view; every command logged before it is acknowledged.")
    wss = ws.add_subparsers(dest="workshop_command", metavar="ACTION")
    new = wss.add_parser("new", help="create a workshop folder and print the join codes", epilog="Example: gridlock workshop new ws1 --scenario tutorial --seed 7 --teams aurora,corecell,nebula --quarter-minutes 15")
    new.add_argument("dir", help="the workshop folder to create")
    new.add_argument("--scenario", required=True, help="a shipped scenario name or a .toml path")
    new.add_argument("--seed", type=seed_type, required=True, help="the game seed")
    new.add_argument("--teams", type=_teams, required=True, metavar="COMPANY,…", help="the companies played by teams (each gets a join code)")
    new.add_argument("--agents", type=_pairs, metavar="COMPANY=AGENT,…", help="agents for other companies (the rest get their scenario default)")
    new.add_argument("--quarter-minutes", type=_minutes, metavar="M", help="each quarter's clock, started by the facilitator")
    new.add_argument("--json", action="store_true", help='print {"facilitator", "observer", "teams"} as JSON and nothing else')
    new.set_defaults(func=cmd_new)
    serve = wss.add_parser("serve", help="serve a workshop (resumes where it stopped)")
    serve.add_argument("dir", help="the workshop folder")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1; the venue network's address to let laptops in)")
    serve.add_argument("--port", type=_port, default=8765, help="the API's port (default 8765)")
    serve.add_argument("--web", type=_port, metavar="PORT", help="also serve the team client to browsers on this port (needs gridlock[serve])")
    serve.add_argument("--allow-remote-facilitator", action="store_true", help="accept facilitator calls from other machines (default: this machine only)")
    serve.set_defaults(func=cmd_serve)
    ws.set_defaults(func=lambda a: (ws.print_help(), EXIT_INPUT)[1])

    join = sub.add_parser("join", help="join a workshop as a team or an observer (projector view)", epilog="Example: gridlock join http://192.168.8.10:8765 --code k7pr-x2mh")
    join.add_argument("url", help="the workshop's address, e.g. http://192.168.8.10:8765")
    join.add_argument("--code", help="your team's code, or the observer code (asked for if not given)")
    join.set_defaults(func=cmd_join)
    fac = sub.add_parser("facilitate", help="the facilitator's console for a workshop")
    fac.add_argument("url", help="the workshop's address, e.g. http://127.0.0.1:8765")
    fac.add_argument("--token", help="the facilitator token (asked for if not given)")
    fac.set_defaults(func=cmd_facilitate)
