#!/usr/bin/env python3
"""Play Gridlock in tmux as a person would, checking the screen at each step.

Starts `gridlock play` in a fresh folder, starts a tutorial game, enters an order, ends two
quarters, reads the standings, saves and quits. Exits 0 when every check passed, 1 with the failing step otherwise.
Run: .venv/bin/python tools/tmux_play.py  (needs tmux on PATH)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SESSION = f"gridlock-play-{int(time.time() * 1000) % 10**8}"
GRIDLOCK = Path(sys.executable).with_name("gridlock")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


PAUSE = 0.15  # a quick typist's gap between keys


def keys(*k: str) -> None:
    for key in k:
        tmux("send-keys", "-t", SESSION, key)
        time.sleep(PAUSE)


def typed(text: str) -> None:
    for ch in text:
        tmux("send-keys", "-t", SESSION, "-l", ch)
        time.sleep(PAUSE / 3)
    time.sleep(PAUSE)


def expect(step: str, *wanted: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        text = screen()
        if all(w in text for w in wanted):
            print(f"ok   {step}")
            return text
        if time.monotonic() > deadline:
            missing = [w for w in wanted if w not in text]
            print(f"FAIL {step}: the screen lacks {missing}\n{text}", file=sys.stderr)
            raise SystemExit(1)
        time.sleep(0.2)


def read_standings(text: str) -> list[tuple[int, str, str]]:
    """(rank, company, score) of each row of the Standings tab as it stands on the screen."""
    rows = []
    for line in text.splitlines():
        cells = [c for c in line.strip().split("  ") if c.strip()]
        if len(cells) >= 4 and cells[0].strip().isdigit() and ("×" in cells[2] or cells[2].strip() == "private"):
            rows.append((int(cells[0]), cells[1].strip(), cells[2].strip()))
    return rows


def main() -> int:
    if shutil.which("tmux") is None:
        print("tmux is not on PATH: nothing to run", file=sys.stderr)
        return 1
    if not GRIDLOCK.exists():
        print(f"no gridlock command beside {sys.executable}", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="gridlock-tmux-"))
    # a checkout run with PYTHONPATH (a worktree) plays its own code, from the fresh folder too
    path = os.pathsep.join(os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)
    env = f"PYTHONPATH={shlex.quote(path)} " if path else ""
    cmd = f"cd {work} && {env}GRIDLOCK_SAVES={work}/saves {GRIDLOCK} play --seed 7; echo GRIDLOCK-EXITED $?; sleep 30"
    tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", cmd)
    try:
        expect("the new-game screen lists the scenarios", "Scenario", "tutorial — 8 quarters", "Human (you)")
        keys("Enter")
        expect("a tutorial game starts with the first lesson", "2026Q1 (1/8)", "Lesson 1, power", "Regions")
        keys("p")
        expect("the power form opens", "New order", "bid_interconnect", "MW, e.g. 50")
        typed("50")
        keys("Tab")
        typed("0.12")
        expect("the order is checked as it is typed", "accepted as of now", "+50 MW grid power")
        keys("Enter")
        expect("the order is pending", "1 pending", "Bid for 50 MW of grid power in ERCOT")
        keys("e")
        expect("the first quarter's report shows my auction", "What happened to you in 2026Q1", "Won 50 MW of interconnect")
        keys("Enter")
        expect("the second quarter opens", "2026Q2 (2/8)", "Lesson 2")
        keys("e")
        expect("the second quarter's report", "Report for 2026Q2")
        keys("Enter")
        text = expect("the third quarter opens with my rank and score in the header", "2026Q3 (3/8)", "rank #", "score ", "0 pending")
        keys("6")
        text = expect("the standings list every company, mine with a score", "Standings after 2026Q2", "Aurora Web Services (you)", "CoreCell", "Nebula", "est.", "private", "How the rank is made")
        rows = read_standings(text)
        if sorted(r[0] for r in rows) != [1, 2, 3] or sum(1 for r in rows if r[1].endswith("(you)")) != 1:
            print(f"FAIL the standings rows read {rows}", file=sys.stderr)
            return 1
        print(f"ok   standings read: {rows}")
        keys("1")
        keys("s")
        expect("the save dialog", "Save the game to")
        keys("C-a", "C-k")
        typed("saves/tmux.json")
        keys("Enter")
        expect("the game is saved", "Saved to saves/tmux.json")
        data = json.loads((work / "saves" / "tmux.json").read_text())
        if data.get("quarter") != 2 or data.get("seats", {}).get("aurora") != "human":
            print(f"FAIL the save holds quarter {data.get('quarter')} and seats {data.get('seats')}", file=sys.stderr)
            return 1
        print("ok   the save file holds quarter 3 with the human seat")
        keys("C-q")
        expect("gridlock quits cleanly", "GRIDLOCK-EXITED 0")
        return 0
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
