"""kill -9 a tournament again and again, then finish it with --resume: count the games lost or
stored twice (the finished results file against an uninterrupted run's digest) and the
processes each killed tournament left running (its workers, their bots, a resource tracker).

    python tools/tournament_kill_loop.py [--trials 20] [--games 400] [--workers 2]

Each trial starts `gridlock tournament … --resume | cat` (so a pipe held open by a leftover
process would show as a `cat` that never ends), waits until a few more games are stored,
kills the tournament with SIGKILL, and counts its descendants still alive a few seconds later.
Exit 0 when nothing was lost, nothing stored twice and no process was left.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from game.agents.keeper import alive, descendants  # noqa: E402


def stored(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute("SELECT COUNT(*) FROM games").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--games", type=int, default=400)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scenario", default="tutorial")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    folder = Path(tempfile.mkdtemp(prefix="gridlock-kill-loop-"))
    common = [sys.executable, "-m", "game", "tournament", "--scenario", args.scenario, "--games", str(args.games), "--workers", str(args.workers), "--batch-size", "2"]
    whole = subprocess.run([*common, "--db", str(folder / "whole.sqlite")], env=env, capture_output=True, text=True, cwd=folder)
    want = re.search(r"results digest: (\w+)", whole.stdout).group(1)
    db = folder / "killed.sqlite"
    rng = random.Random(0)
    left_total = killed = 0
    for trial in range(args.trials):
        before = stored(db)
        if before >= args.games:
            break
        cmd = " ".join(f"'{w}'" for w in [*common, "--db", str(db), "--resume"]) + " 2>/dev/null | cat >/dev/null"
        shell = subprocess.Popen(["sh", "-c", cmd], env=env, cwd=folder)
        parent = None
        deadline = time.monotonic() + 120
        target = before + rng.randint(2, 30)
        while time.monotonic() < deadline:
            kids = [p for p in descendants(shell.pid) if b"tournament" in Path(f"/proc/{p}/cmdline").read_bytes()]
            if kids and stored(db) >= min(target, args.games - 1):
                parent = kids[0]
                break
            time.sleep(0.05)
        if parent is None:
            shell.wait()
            continue
        below = alive(descendants(parent))
        os.kill(parent, signal.SIGKILL)
        killed += 1
        try:
            shell.wait(timeout=30)
            pipe = "ended"
        except subprocess.TimeoutExpired:
            pipe = "STILL OPEN"
        time.sleep(3)
        left = alive(below)
        left_total += len(left)
        for pid in left:  # ours: started by this trial
            os.kill(pid, signal.SIGKILL)
        if shell.poll() is None:
            shell.kill()
        print(f"trial {trial + 1}: killed with {stored(db)} games stored ({len(below)} processes below it), {len(left)} left, pipe {pipe}", flush=True)
    done = subprocess.run([*common, "--db", str(db), "--resume"], env=env, capture_output=True, text=True, cwd=folder)
    got = re.search(r"results digest: (\w+)", done.stdout)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT COUNT(*), COUNT(DISTINCT idx) FROM games").fetchone()
    con.close()
    same = got is not None and got.group(1) == want
    lost = args.games - rows[1]
    twice = rows[0] - rows[1]
    print(f"{killed} trials (kill -9), {args.games} games: {lost} lost, {twice} stored twice, results {'identical to' if same else 'DIFFERENT from'} an uninterrupted run; {left_total} processes left")
    return 0 if same and lost == 0 and twice == 0 and left_total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
