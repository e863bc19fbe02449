"""The fuzz test extended to orders as careless or hostile agents give them (tests/odd_orders.py):
numpy scalars, Decimals and huge whole numbers in typed orders, JSON orders with keys that are
not strings. No exception escapes the engine, a view, saving or loading; every invariant holds;
every rejection reads the same after a reload. The long run is tools/fuzz_orders.py."""

from __future__ import annotations

import pytest

from odd_orders import Tally, fuzz_game
from test_invariants import harsh_spec, tutorial_spec


@pytest.mark.parametrize("harsh", [False, True], ids=["tutorial", "harsh tutorial"])
def test_odd_orders_never_escape_or_break_an_invariant(harsh):
    spec = harsh_spec() if harsh else tutorial_spec()
    tally = Tally()
    for seed in range(30):
        fuzz_game(spec, 1000 * harsh + seed, tally)
    assert tally.quarters >= 100
    assert (tally.escapes, tally.violations) == (0, 0), "\n\n".join(tally.examples)
