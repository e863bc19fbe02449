"""The long run of the odd-orders fuzz test: many seeded games of careless and hostile orders
(numpy scalars, Decimals, huge whole numbers, keys that are not strings) mixed into the built-in
agents' orders; counts quarters, escapes (exceptions out of the engine, a view, saving or loading)
and invariant violations. tests/odd_orders.py says exactly what one fuzzed game is.

    python tools/fuzz_orders.py [--quarters 100000] [--workers 2] [--save-every 10]

Exit 0 when there were no escapes and no violations, 1 otherwise (the first few are printed).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
GAMES_PER_CHUNK = 50


def _chunk(args: tuple[int, int, bool, int]) -> tuple[int, int, int, int, list[str]]:
    first, count, harsh, save_every = args
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    from odd_orders import Tally, fuzz_game
    from test_invariants import harsh_spec, tutorial_spec

    spec = harsh_spec() if harsh else tutorial_spec()
    tally = Tally()
    for seed in range(first, first + count):
        fuzz_game(spec, seed, tally, save_every=save_every)
    return tally.games, tally.quarters, tally.escapes, tally.violations, tally.examples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quarters", type=int, default=100_000, help="play at least this many quarters (default 100000)")
    ap.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    ap.add_argument("--save-every", type=int, default=10, help="save and reload every Nth game (default 10; 1: every game)")
    ap.add_argument("--seed", type=int, default=0, help="the first game's seed (default 0)")
    args = ap.parse_args()
    games = quarters = escapes = violations = 0
    examples: list[str] = []
    t0 = time.perf_counter()
    next_seed = args.seed
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        def chunks():
            nonlocal next_seed
            while True:  # half the chunks on the harsh tutorial (bankruptcies, lot auctions)
                yield next_seed, GAMES_PER_CHUNK, (next_seed // GAMES_PER_CHUNK) % 2 == 1, args.save_every
                next_seed += GAMES_PER_CHUNK

        for g, q, e, v, ex in pool.imap_unordered(_chunk, chunks()):
            games, quarters, escapes, violations = games + g, quarters + q, escapes + e, violations + v
            examples.extend(ex[: 5 - len(examples)])
            print(f"\r{games:,} games, {quarters:,} quarters, {escapes} escapes, {violations} invariant violations, {time.perf_counter() - t0:,.0f}s", end="", file=sys.stderr, flush=True)
            if quarters >= args.quarters:
                pool.terminate()
                break
    print(file=sys.stderr)
    print(f"{games:,} games, {quarters:,} quarters: {escapes} escapes, {violations} invariant violations ({time.perf_counter() - t0:,.0f}s)")
    for e in examples:
        print("\n" + e[:3000])
    return 0 if escapes == violations == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
