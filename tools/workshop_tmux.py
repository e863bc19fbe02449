#!/usr/bin/env python3
"""A 3-team tutorial workshop in tmux, as a room would run it, checking every screen.

One server, three `gridlock join` team clients and one `gridlock facilitate` console, each in its
own tmux window. Quarter 1: a team places an order, the facilitator starts the clock and
broadcasts, every team ends its quarter. Then the server is killed with kill -9 and restarted;
the clients reconnect by themselves, a team edits its draft, the facilitator ends quarter 2, and
the game goes on. Exits 0 when every check passed, 1 with the failing step otherwise.
Run: .venv/bin/python tools/workshop_tmux.py  (needs tmux on PATH)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SESSION = f"gridlock-workshop-{int(time.time() * 1000) % 10**8}"
TEAMS = ("aurora", "corecell", "nebula")
NAMES = {"aurora": "Aurora Web Services", "corecell": "CoreCell", "nebula": "Nebula"}
PAUSE = 0.15


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def screen(window: str) -> str:
    return tmux("capture-pane", "-p", "-t", f"{SESSION}:{window}")


def keys(window: str, *k: str) -> None:
    for key in k:
        tmux("send-keys", "-t", f"{SESSION}:{window}", key)
        time.sleep(PAUSE)


def typed(window: str, text: str) -> None:
    for ch in text:
        tmux("send-keys", "-t", f"{SESSION}:{window}", "-l", ch)
        time.sleep(PAUSE / 3)
    time.sleep(PAUSE)


def expect(window: str, step: str, *wanted: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        text = screen(window)
        if all(w in text for w in wanted):
            print(f"ok   [{window}] {step}", flush=True)
            return text
        if time.monotonic() > deadline:
            missing = [w for w in wanted if w not in text]
            print(f"FAIL [{window}] {step}: the screen lacks {missing}\n{text}", file=sys.stderr)
            raise SystemExit(1)
        time.sleep(0.25)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    if shutil.which("tmux") is None:
        print("tmux is not on PATH: nothing to run", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="gridlock-workshop-"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    gridlock = f"cd {shlex.quote(str(REPO))} && PYTHONPATH={shlex.quote(str(REPO))} {shlex.quote(sys.executable)} -m game"
    out = subprocess.run([sys.executable, "-m", "game", "workshop", "new", str(work / "room"), "--scenario", "tutorial", "--seed", "7", "--teams", ",".join(TEAMS), "--quarter-minutes", "10", "--json"],
                         cwd=REPO, env=env, capture_output=True, text=True, check=True)
    codes = json.loads(out.stdout)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    pidfile = work / "server.pid"
    room = work / "room"
    serve = "sh -c " + shlex.quote(f"echo $$ > {pidfile}; {gridlock} workshop serve {room} --port {port}")
    tmux("new-session", "-d", "-s", SESSION, "-n", "server", "-x", "120", "-y", "40", serve + "; sleep 60")
    try:
        expect("server", "the server starts", f"at {url}")
        for cid in TEAMS:
            tmux("new-window", "-t", SESSION, "-n", cid, f"{gridlock} join {url} --code {codes['teams'][cid]}; sleep 60")
        tmux("new-window", "-t", SESSION, "-n", "fac", f"{gridlock} facilitate {url} --token {codes['facilitator']}; sleep 60")
        for cid in TEAMS:
            expect(cid, "the team's own company, first quarter", "2026Q1", NAMES[cid], "Lesson 1, power")
        expect("fac", "the console lists the teams and the clock", "Tutorial · 2026Q1", "ready 0/3", "Aurora Web Services")

        keys("aurora", "f")
        expect("aurora", "the finance form, checked by the server as it is typed", "New order")
        time.sleep(1.0)  # the form focuses its first field once drawn; keys before that go elsewhere
        typed("aurora", "50")
        expect("aurora", "the order is accepted as typed", "accepted as of now")
        keys("aurora", "Enter")
        expect("aurora", "the order is in the team's draft", "Borrow $50M")
        expect("fac", "the console sees the draft", "1 (v1)")
        typed("fac", "start")
        keys("fac", "Enter")
        typed("fac", "say Welcome to the workshop")
        keys("fac", "Enter")
        expect("corecell", "a broadcast reaches the teams", "Welcome to the workshop")
        for cid in TEAMS:
            keys(cid, "e")
        for cid in TEAMS:
            expect(cid, "every team sees the quarter's report", "Report for 2026Q1", "Enter: on to the next quarter")
            keys(cid, "Enter")
        expect("fac", "the quarter ended when every team was ready", "2026Q2", "all teams ready")
        for cid in TEAMS:
            expect(cid, "the second quarter opens", "2026Q2 (2/8)")

        pid = int(pidfile.read_text().strip())
        os.kill(pid, signal.SIGKILL)
        print(f"ok   [server] killed with kill -9 (pid {pid})", flush=True)
        tmux("respawn-window", "-k", "-t", f"{SESSION}:server", serve + "; sleep 60")
        expect("server", "the server restarts where it stopped", "2026Q2, quarter 2 of 8")

        # a hyperscaler's team: it has borrowing room (a neo-cloud starts near its covenant)
        keys("aurora", "f")
        expect("aurora", "the form opens after the restart", "New order")
        time.sleep(1.0)
        typed("aurora", "30")
        expect("aurora", "the restarted server checks the order", "accepted as of now")
        keys("aurora", "Enter")
        expect("aurora", "the order is stored", "Borrow $30M")
        expect("fac", "the console reconnected and sees the draft", "1 (v1)", timeout=40)
        typed("fac", "end none")
        keys("fac", "Enter")
        expect("fac", "the facilitator ended quarter 2", "2026Q3", timeout=40)
        for cid in TEAMS:
            expect(cid, "every team sees quarter 2's report", "Report for 2026Q2", "Enter: on to the next quarter")
        print("workshop tmux play-through: every check passed")
        return 0
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
        try:
            os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        except (OSError, ValueError):
            pass
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
