"""Tournament throughput and memory: games/s on baseline with 1 and 2 workers, and the peak
RSS of the whole process tree (parent + workers) at two tournament sizes.

Targets on the 2-core development machine: >= 50 games/s with 2 workers, a 2-worker speed-up
>= 1.8x, and peak memory that does not grow with the number of games.

    python bench/tournament_speed.py                        # the full measurement
    python bench/tournament_speed.py --games 100 --memory 200,400 --repeats 1   # a quick check
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil  # the [bench] extra (Dask's distributed brings it too)


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass  # a worker that has just exited
    return total


def run_cli(args: list[str], sample_every: float = 0.05) -> tuple[float, int, str]:
    """Run `gridlock tournament …` as a user would; its wall time and the peak RSS of its tree."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "game", "tournament", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                peak = max(peak, tree_rss(ps))
            except psutil.Error:
                pass
            time.sleep(sample_every)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, _ = proc.communicate()
    done.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"tournament failed ({proc.returncode}): {args}")
    return time.perf_counter() - t0, peak, out


def games_per_second(out: str) -> float:
    """The rate the run reports for its games (the pool's start-up excluded from nothing)."""
    for part in out.split(";")[0].split(","):
        if "games/s" in part:
            return float(part.split()[0])
    raise ValueError(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--games", type=int, default=600, help="games per speed run (default 600)")
    ap.add_argument("--repeats", type=int, default=3, help="speed runs per worker count; the median is printed")
    ap.add_argument("--memory", default="2000,20000", help="tournament sizes for the memory runs (2 workers)")
    ap.add_argument("--agents", default="hyperscaler,neocloud,random")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = ["--scenario", "baseline", "--agents", a.agents, "--seed", "1"]
        rates: dict[int, float] = {}
        for workers in (1, 2):
            runs = []
            for r in range(a.repeats):
                db = Path(tmp) / f"speed-{workers}-{r}.sqlite"
                _, _, out = run_cli([*base, "--games", str(a.games), "--workers", str(workers), "--db", str(db)])
                runs.append(games_per_second(out))
            rates[workers] = statistics.median(runs)
            print(f"baseline, {workers} worker{'s' if workers > 1 else ''}: {rates[workers]:.1f} games/s (median of {a.repeats} runs of {a.games} games: {', '.join(f'{x:.1f}' for x in runs)})", flush=True)
        print(f"2-worker speed-up: {rates[2] / rates[1]:.2f}x", flush=True)
        for n in (int(x) for x in a.memory.split(",")):
            db = Path(tmp) / f"memory-{n}.sqlite"
            wall, peak, out = run_cli([*base, "--games", str(n), "--workers", "2", "--db", str(db)])
            print(f"{n} games, 2 workers: peak RSS of the process tree {peak / 2**20:.0f} MiB, {games_per_second(out):.1f} games/s, {wall:.0f}s wall", flush=True)


if __name__ == "__main__":
    main()
