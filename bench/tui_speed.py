"""Benchmark: how quickly the terminal UI answers, measured as a player sees it, through tmux.

Baseline scenario, one human (CoreCell) and five agents, 120×40. Prints medians of: launch
(`gridlock play …` started) to the dashboard on screen; a keypress to the screen showing
its effect (switching tabs, which redraws the pane's tables); ending the quarter to the
quarter's report on screen; and the report to the next quarter's dashboard. The screen is
polled with `tmux capture-pane` (about 3 ms a poll), so figures include that much slack.
Targets on a quiet machine (issue 13): launch ≤ 1.0 s, keypress → repaint ≤ 30 ms median,
end quarter → report ≤ 200 ms. The standings tab (6) is timed on its own: it is the one
tab whose content the session works out afresh each quarter. Needs tmux; a checkout run with
PYTHONPATH (a worktree) times its own code.

    python bench/tui_speed.py [--launches 5] [--keys 40] [--quarters 6]
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRIDLOCK = Path(sys.executable).with_name("gridlock")
SESSION = "gridlock-bench"
_n = 0


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait_for(text: str, since: float, timeout: float = 30.0) -> float:
    """Seconds from `since` until `text` is on screen."""
    while True:
        if text in screen():
            return time.perf_counter() - since
        if time.perf_counter() - since > timeout:
            raise SystemExit(f"timed out waiting for {text!r}:\n{screen()}")


def start(folder: str) -> float:
    global SESSION, _n
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    _n += 1
    SESSION = f"gridlock-bench-{os.getpid()}-{_n}"  # other runs of this bench may share the tmux server
    path = os.pathsep.join(os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)
    env = f"PYTHONPATH={shlex.quote(path)} " if path else ""
    for attempt in range(3):
        t = time.perf_counter()
        try:
            tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", f"cd {folder} && {env}{GRIDLOCK} play --scenario baseline --seed 1; sleep 60")
            break
        except subprocess.CalledProcessError:  # the last session just killed took the tmux server down with it
            if attempt == 2:
                raise
            time.sleep(0.3)
    # the region table is the last thing drawn on the first dashboard
    return wait_for("PJM / Northern Virginia", t)


def press(key: str, text: str) -> float:
    t = time.perf_counter()
    tmux("send-keys", "-t", SESSION, key)
    return wait_for(text, t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--launches", type=int, default=5)
    ap.add_argument("--keys", type=int, default=40)
    ap.add_argument("--quarters", type=int, default=6)
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed for this benchmark")
    with tempfile.TemporaryDirectory() as folder:
        try:
            start(folder)  # warm the disk cache
            launches = [start(folder) for _ in range(args.launches)]
            time.sleep(0.5)
            keys, standings, ends, nexts = [], [], [], []
            for q in range(args.quarters):
                for _ in range(max(1, args.keys // args.quarters // 2)):
                    keys.append(press("2", "Profit and loss"))
                    keys.append(press("1", "Regions — power"))
                standings.append(press("6", "How the rank is made"))
                press("1", "Regions — power")
                ends.append(press("e", "What happened to you in"))
                nexts.append(press("Enter", f"({q + 2}/24)"))
                time.sleep(0.3)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    ms = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    print(f"launch to dashboard on screen:   median {statistics.median(launches):.2f} s (target ≤ 1.0 s; {len(launches)} launches)")
    print(f"keypress to repaint (tab switch): median {ms(keys):.0f} ms (target ≤ 30 ms; {len(keys)} keys, max {max(keys) * 1000:.0f} ms)")
    print(f"keypress to the standings tab:    median {ms(standings):.0f} ms ({len(standings)} presses)")
    print(f"end of quarter to its report:    median {ms(ends):.0f} ms (target ≤ 200 ms; {len(ends)} quarters)")
    print(f"report to next quarter on screen: median {ms(nexts):.0f} ms")


if __name__ == "__main__":
    main()
