"""The game's randomness: one seeded generator per (quarter, purpose, key), so no order can shift a draw.

Every exogenous draw — an event, a power-price shock, the size of an RFP, a tie-break — comes
from a numpy Generator spawned from the game seed with the spawn key (quarter, purpose, key…).
Purposes are named strings ("events", "power.price", "ties.interconnect", …) and keys narrow
them (a region, a company, a lot). A purpose's draws in one quarter therefore depend only on
what that purpose itself drew before in the same quarter: a bid in ERCOT cannot move PJM's
power price, and nothing this quarter moves next quarter's draws. Within a quarter, asking
for the same (purpose, key) again continues the same generator.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

# The first word of every engine spawn key. Agents' seeds (agent_seed) use spawn keys that
# start with AGENT_TAG instead, so no agent can hold a generator equal to one of the engine's.
ENGINE_TAG = 0x67726964  # "grid"
AGENT_TAG = 9


def _code(part: str | int) -> int:
    """A spawn-key word for a purpose or key part: strings by CRC-32 (stable across processes)."""
    if isinstance(part, str):
        return zlib.crc32(part.encode())
    if isinstance(part, int) and not isinstance(part, bool) and part >= 0:
        return part
    raise TypeError(f"a draw key part must be a string or a non-negative int, got {part!r}")


_POOL_WORDS = 4  # numpy's SeedSequence pool size


def _uint32_words(n: int) -> list[int]:
    """A non-negative int as numpy's SeedSequence reads it: 32-bit words, least significant first."""
    words = [n & 0xFFFFFFFF]
    n >>= 32
    while n:
        words.append(n & 0xFFFFFFFF)
        n >>= 32
    return words


def draw_generator(seed: int, quarter: int, purpose: str, *key: str | int) -> np.random.Generator:
    """The generator of (seed, quarter, purpose, key…), made afresh: that of
    SeedSequence(seed, spawn_key=(ENGINE_TAG, quarter, purpose, key…)).

    The SeedSequence is given the entropy it would assemble from the seed and spawn key (the
    seed's words, zero-padded to the pool size, then the key's words) as one uint32 array: the
    same pool, so the same draws, made without numpy's slower reading of Python ints (a third
    of the cost of a generator, and a game makes hundreds)."""
    seed_words = _uint32_words(seed)
    entropy = seed_words + [0] * (_POOL_WORDS - len(seed_words))
    for part in (ENGINE_TAG, quarter, _code(purpose), *[_code(k) for k in key]):
        entropy += _uint32_words(part)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(np.array(entropy, dtype=np.uint32))))


class _Pending:
    """A generator made on first use: most tie-break generators are never drawn from, and
    making one costs ~15 µs, a noticeable share of a quarter."""

    __slots__ = ("_args", "_gen")

    def __init__(self, args: tuple):
        self._args = args
        self._gen: np.random.Generator | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends ask for protocol methods: not the generator's
            raise AttributeError(name)
        gen = self._gen
        if gen is None:
            gen = self._gen = draw_generator(*self._args)
        return getattr(gen, name)


class Draws:
    """The generators of one game, looked up by (purpose, key) within the current quarter."""

    def __init__(self, seed: int):
        self.seed = seed
        self._quarter = -1
        self._open: dict[tuple, _Pending] = {}

    def get(self, quarter: int, purpose: str, *key: str | int) -> np.random.Generator:
        if quarter != self._quarter:
            self._open = {}
            self._quarter = quarter
        k = (purpose, *key)
        gen = self._open.get(k)
        if gen is None:
            gen = self._open[k] = _Pending((self.seed, quarter, purpose, *key))
        return gen  # type: ignore[return-value]  # behaves as the Generator it stands for

    def reseed(self, seed: int) -> None:
        """Draw from `seed` from the next quarter on; this quarter's open generators stay."""
        self.seed = seed
        # generators already opened this quarter keep their own seed; new ones use the new seed


def agent_seed(seed: int, seat_index: int) -> np.random.SeedSequence:
    """The seed an agent in a seat gets: independent of every engine draw."""
    return np.random.SeedSequence(seed, spawn_key=(AGENT_TAG, seat_index))
