"""The `debrief` and `replay` subcommands: their arguments, and turning them into files or a screen."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

MAX_WHAT_IF_GAMES = 100_000


class DebriefError(Exception):
    """A user's mistake (bad save, unwritable file, bad number): one clear message, exit 2."""


def _games(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of games, got {text!r}") from None
    if not 0 <= v <= MAX_WHAT_IF_GAMES:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_WHAT_IF_GAMES}, got {v}")
    return v


def add_parsers(sub) -> None:
    from .build import DEFAULT_WHAT_IF_GAMES

    d = sub.add_parser(
        "debrief",
        help="write the after-action report of a saved game (HTML, JSON, CSV)",
        description="Replay a saved game (finished or not) and write its after-action report: cover, results, the market story, "
        "a page per company, turning points, what-if counterfactuals, discussion prompts and every order. One self-contained HTML file "
        "(inline SVG, print CSS, no script, nothing fetched), with the same content as JSON and the orders as CSV beside it.",
        epilog="Example: gridlock run --seed 7 --save g7.json && gridlock debrief g7.json --html g7.html",
    )
    d.add_argument("save", help="a save file (gridlock run --save, gridlock play, a workshop)")
    d.add_argument("--html", metavar="FILE", help="the HTML file to write (default: beside the save, SAVE-debrief.html); FILE-data.json and FILE-orders.csv go beside it")
    d.add_argument("--json", action="store_true", help="print the report's content as JSON on stdout instead of writing files")
    d.add_argument("--what-if-games", type=_games, default=DEFAULT_WHAT_IF_GAMES, metavar="N", help=f"reseeded futures to play from the main turning point (default: {DEFAULT_WHAT_IF_GAMES}; 0 for none)")
    d.add_argument("--workers", type=int, metavar="N", help="worker processes for the futures (default: up to 2); never changes the report")
    d.set_defaults(func=cmd_debrief)

    r = sub.add_parser(
        "replay",
        help="step through a saved game in the terminal, quarter by quarter",
        description="Open a saved game read-only in the terminal UI, with the game screen's tabs and the quarter's orders and their verdicts beside: "
        "←/→ step a quarter, Home/End jump to the start or end, v changes whose view the tabs show (each company's, or everything), "
        "1-7 switch tabs, b branches a new playable game from the quarter shown, q leaves.",
    )
    r.add_argument("save", help="a save file")
    r.set_defaults(func=cmd_replay)


def outputs(html: Path) -> tuple[Path, Path]:
    """The JSON and CSV files written beside an HTML report (named so that a report beside
    its save, of the same name, never overwrites the save)."""
    return html.with_name(html.stem + "-data.json"), html.with_name(html.stem + "-orders.csv")


def write(save: str, html: Path, what_if_games: int, workers: int | None = None) -> list[Path]:
    """Write the report's three files; returns their paths."""
    from ..saves import write_atomic
    from .build import build
    from .html import orders_csv, render

    js, cs = outputs(html)
    for path in (html, js, cs):
        if path.resolve() == Path(save).resolve():
            raise DebriefError(f"{path} is the save itself: write the report under another name")
    data = build(save, what_if_games, workers)
    written = []
    for path, text in ((js, json.dumps(data, indent=1, sort_keys=False) + "\n"), (cs, orders_csv(data)), (html, render(data, (js.name, cs.name)))):
        try:
            write_atomic(path, text)
        except OSError as e:
            raise DebriefError(f"cannot write {path}: {e.strerror or e}") from None
        written.append(path)
    return written


def cmd_debrief(args: argparse.Namespace) -> int:
    from ..saves import SaveError
    from ..tournament import TournamentError

    if args.workers is not None and args.workers < 0:
        raise DebriefError(f"--workers must be 0 or more, got {args.workers}")
    try:
        if args.json:
            from .build import build

            json.dump(build(args.save, args.what_if_games, args.workers), sys.stdout, indent=1)
            sys.stdout.write("\n")
            return 0
        html = Path(args.html) if args.html else Path(args.save).with_name(Path(args.save).stem + "-debrief.html")
        if html.suffix.lower() not in (".html", ".htm"):
            raise DebriefError(f"--html must name a .html file, got {html}")
        written = write(args.save, html, args.what_if_games, args.workers)
    except (SaveError, TournamentError) as e:
        raise DebriefError(str(e)) from None
    print("Wrote " + ", ".join(str(p) for p in written))
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from ..saves import SaveError
    from ..tui.app import GridlockApp
    from ..tui.screens.replay import Replay

    try:
        replay = Replay.load(args.save)
    except SaveError as e:
        raise DebriefError(str(e)) from None
    GridlockApp(replay=replay).run()
    return 0
