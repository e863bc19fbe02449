"""How long `gridlock debrief` takes on a finished 24-quarter baseline game with 100 reseeded
futures, as a user runs it (a fresh process: imports, replay, counterfactuals, the futures'
worker processes, writing HTML, JSON and CSV).

Target on the 2-core development machine: <= 10 s wall time.

    python bench/debrief_speed.py                     # 5 runs, --what-if-games 100
    python bench/debrief_speed.py --runs 1 --games 20 # a quick check
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def gridlock(*args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run([sys.executable, "-m", "game", *args], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"gridlock {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")


def _children_cpu() -> float:
    """User + system seconds of every finished child process (and theirs) so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--games", type=int, default=100, help="--what-if-games (default 100)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, help="--workers for the futures (default: the command's own)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        save = Path(tmp) / "baseline.json"
        gridlock("run", "--scenario", "baseline", "--seed", str(args.seed), "--save", str(save))
        extra = ["--workers", str(args.workers)] if args.workers is not None else []
        times, cpus = [], []
        for i in range(args.runs):
            t0 = time.perf_counter()
            out = Path(tmp) / f"run{i}" / "report.html"  # one name in several folders: the pages name their data files
            gridlock("debrief", str(save), "--html", str(out), "--what-if-games", str(args.games), *extra)
            times.append(time.perf_counter() - t0)
            print(f"run {i + 1}: {times[-1]:.2f} s wall", flush=True)
        # the whole job's CPU seconds, counted in one process (worker processes of a pool are
        # not all children the operating system counts for us): what the machine's other load
        # changes least. On 2 idle cores the wall time is about the futures' share / 2 plus the rest.
        for i in range(max(1, args.runs // 2)):
            cpu0 = _children_cpu()
            gridlock("debrief", str(save), "--html", str(Path(tmp) / "one" / "report.html"), "--what-if-games", str(args.games), "--workers", "0")
            cpus.append(_children_cpu() - cpu0)
            print(f"in one process (--workers 0): {cpus[-1]:.2f} s CPU", flush=True)
        same = len({(Path(tmp) / d / "report.html").read_bytes() for d in [*(f"run{i}" for i in range(args.runs)), "one"]}) == 1
        load = os.getloadavg()[0]
    print(f"CPU time of the whole job (user + system, one process): median {statistics.median(cpus):.2f} s")
    print(f"debrief of a 24-quarter baseline game, --what-if-games {args.games}, {os.cpu_count()} cores: "
          f"median {statistics.median(times):.2f} s, best {min(times):.2f} s, worst {max(times):.2f} s (target <= 10 s); "
          f"reports identical across runs: {same}; load average {load:.1f} at the end (other work on the machine slows every figure)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
