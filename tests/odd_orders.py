"""Orders as a careless or hostile agent gives them: typed orders holding numpy scalars, Decimals
and huge whole numbers; JSON orders with keys that are not strings. Shared by the fuzz test
(tests/test_trust_fuzz.py) and its long run (tools/fuzz_orders.py).

One fuzzed game: every quarter each living company's order set is its built-in agent's orders
with odd orders mixed in (or, now and then, odd orders alone); after each quarter the
invariants of tests/test_invariants.py are checked, and at the end the game must save and load
to the same state. An *escape* is any exception out of the engine, a view, saving or loading;
an *invariant violation* is a failed check.
"""

from __future__ import annotations

import random
import tempfile
import traceback
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from game.engine import Game
from game.model.orders import ORDER_TYPES, order_to_dict
from game.runner import seat_agents
from game.saves import load_game, save_game, snapshot
from test_invariants import Context, before_step, check_invariants

NAN = float("nan")
ODD_NUMBERS: list[Any] = [
    np.float64(50.0), np.float32(2.5), np.float16(0.5), np.int64(5), np.int32(-3), np.uint64(2**64 - 1), np.int8(7),
    np.bool_(True), np.bool_(False), np.float64(NAN), np.float64("inf"), np.float64(1e308), np.array(3.0), np.array([1.0, 2.0]),
    Decimal("12.5"), Decimal("NaN"), Decimal("-Infinity"), Decimal("1e400"), Fraction(1, 3), complex(1, 1),
    10**400, -(10**400), 2**63, 2**63 - 1, -(2**63), 2**64, 10**30, -(10**30), 10**5000,
    1e308, -1e308, 5e-324, -0.0, NAN, float("inf"), True, None,
]
ODD_STRINGS: list[Any] = [np.str_("nordics"), "x" * 10_000, "\x00", "nordics\n", "", b"nordics", 7]
ODD_KEYS: list[Any] = [1, 0, -1, None, 1.5, NAN, True, (1, 2), b"musd", frozenset(), np.int64(1), Decimal(1), "", "type ", "TYPE", "x" * 5000]
PLAUSIBLE_NUMBERS = [1, 5, 10, 50, 100, 0.5, 2.5, 20.0, 300.0]


def _value(rng: random.Random, field: attrs.Attribute, ctx: Context) -> Any:
    """A value for one field: plausible half the time, odd the rest."""
    t = field.type if isinstance(field.type, str) else field.type.__name__
    if rng.random() < 0.5:
        if "str" in t:
            pool = {"region": ctx.regions, "generation": ctx.generations, "cooling": ctx.cooling, "power": ctx.power, "site": ctx.sites, "lot": ctx.lots, "rfp": ctx.rfps}
            return rng.choice(pool.get(field.name, ["x"]))
        if "bool" in t:
            return rng.random() < 0.5
        return rng.choice(PLAUSIBLE_NUMBERS)
    if "str" in t:
        return rng.choice(ODD_STRINGS + ODD_NUMBERS[:4])
    return rng.choice(ODD_NUMBERS)


def odd_order(rng: random.Random, ctx: Context) -> Any:
    """One order: a typed order with odd values, or a JSON order with odd values or odd keys."""
    cls = rng.choice(list(ORDER_TYPES.values()))
    typed = cls(*[_value(rng, f, ctx) for f in attrs.fields(cls)])
    how = rng.random()
    if how < 0.45:
        return typed
    try:
        d = order_to_dict(attrs.evolve(typed))
    except Exception:  # an odd value the converter would not even unstructure: build the dict by hand
        d = {"type": cls.kind, **{f.name: getattr(typed, f.name) for f in attrs.fields(cls)}}
    if how < 0.75:
        for _ in range(rng.randint(1, 3)):
            _put(d, rng.choice(ODD_KEYS), rng.choice(ODD_NUMBERS + ODD_STRINGS))
    elif how < 0.85:
        d = {}
        for _ in range(rng.randint(0, 3)):
            _put(d, rng.choice(ODD_KEYS), rng.choice(ODD_NUMBERS + ODD_STRINGS))
    elif how < 0.95:
        key = rng.choice([k for k in d if k != "type"] or ["type"])
        d[key] = {rng.choice(ODD_KEYS): rng.choice(ODD_NUMBERS)} if rng.random() < 0.5 else [rng.choice(ODD_NUMBERS)]
    else:
        d["type"] = rng.choice(ODD_NUMBERS + ODD_STRINGS)
    return d


def _put(d: dict, key: Any, value: Any) -> None:
    try:  # some odd keys cannot even be compared with others (a Decimal against a numpy int)
        d[key] = value
    except TypeError:
        pass


def order_set(rng: random.Random, game: Game, cid: str, agent_orders: list) -> Any:
    ctx = Context(game, cid)
    odd = [odd_order(rng, ctx) for _ in range(rng.randint(0, 6))]
    r = rng.random()
    if r < 0.1:
        return odd  # odd orders alone
    if r < 0.13:
        return rng.choice([odd_order(rng, ctx), rng.choice(ODD_NUMBERS), {rng.choice(ODD_KEYS): 1}])  # not even a list
    out = list(agent_orders)
    for x in odd:
        out.insert(rng.randint(0, len(out)), x)
    return out


class Tally:
    """Quarters played, escapes and invariant violations, with the first few of each kept in full."""

    def __init__(self) -> None:
        self.games = self.quarters = self.escapes = self.violations = 0
        self.examples: list[str] = []

    def note(self, kind: str, seed: int, text: str) -> None:
        if kind == "escape":
            self.escapes += 1
        else:
            self.violations += 1
        if len(self.examples) < 5:
            self.examples.append(f"game seed {seed}: {kind}: {text}")


def fuzz_game(spec, seed: int, tally: Tally, *, save_every: int = 1) -> None:
    """Play one fuzzed game, counting into `tally`; never raises (except KeyboardInterrupt)."""
    rng = random.Random(seed)
    game = Game(spec, seed)
    agents = seat_agents(spec, seed)
    tally.games += 1
    while not game.finished:
        try:
            orders = {}
            for cid in game.companies:
                if game.alive(cid):
                    orders[cid] = order_set(rng, game, cid, agents[cid].decide(game.view(cid)))
            before = before_step(game)
            game.step(orders)
        except Exception:
            tally.quarters += 1
            tally.note("escape", seed, traceback.format_exc(limit=-3))
            return
        tally.quarters += 1
        try:
            check_invariants(game, before)
        except AssertionError as e:
            tally.note("violation", seed, str(e)[:500])
            return
    if save_every and seed % save_every == 0:
        with tempfile.TemporaryDirectory() as folder:
            try:
                loaded, _ = load_game(save_game(game, Path(folder) / "fuzzed.json"))
            except Exception:
                tally.note("escape", seed, "save/load: " + traceback.format_exc(limit=-3))
                return
        if snapshot(loaded) != snapshot(game) or loaded.history != game.history:
            tally.note("violation", seed, "the save does not load to the same state")
        elif [r.rejected for q in loaded.private_reports for r in q.values()] != [r.rejected for q in game.private_reports for r in q.values()]:
            tally.note("violation", seed, "a rejection reads differently after a reload")
