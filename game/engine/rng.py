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


def _quarter_entropy(seed: int, quarter: int) -> list[int]:
    """The words every spawn key of (seed, quarter) starts with: the seed's words, zero-padded to
    the pool size, then the engine's tag and the quarter."""
    seed_words = _uint32_words(seed)
    return seed_words + [0] * (_POOL_WORDS - len(seed_words)) + _uint32_words(ENGINE_TAG) + _uint32_words(quarter)


# PCG64(seed_sequence) seeds itself from seed_sequence.generate_state(4, np.uint64): eight 32-bit
# hashes of the SeedSequence's pool (numpy/random/bit_generator.pyx). numpy hashes in numpy
# scalars under np.errstate, a third of a generator's cost (~30k instructions, for eight
# multiplications); _pcg64_seed hashes the pool in Python ints. The same words:
# tests/test_randomness.py holds every generator to numpy's own.
_MASK32 = 0xFFFFFFFF
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_XSHIFT = 16
_SEED_WORDS = 8  # four uint64s
# the hash of word i xors it with _HASH_B[i] and multiplies it by _HASH_B[i + 1]
_HASH_B = [_INIT_B * pow(_MULT_B, i, 1 << 32) & _MASK32 for i in range(_SEED_WORDS + 1)]


def _pcg64_seed(pool: list[int]) -> np.ndarray:
    """SeedSequence.generate_state(4, np.uint64) of a SeedSequence with this pool."""
    words = []
    for i in range(_SEED_WORDS):
        x = (pool[i % len(pool)] ^ _HASH_B[i]) * _HASH_B[i + 1] & _MASK32
        words.append(x ^ x >> _XSHIFT)
    return np.array(words, dtype=np.uint32).view(np.uint64)


class _PCG64Seed(np.random.bit_generator.ISeedSequence):
    """A SeedSequence's PCG64 seed worked out already (_pcg64_seed), for PCG64 to read."""

    __slots__ = ("state",)

    def __init__(self, state: np.ndarray):
        self.state = state

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        if n_words != 4 or np.dtype(dtype) != np.uint64:
            raise ValueError("this holds a PCG64 seed only: generate_state(4, np.uint64)")
        return self.state


def _generator(entropy: list[int]) -> np.random.Generator:
    """Generator(PCG64(SeedSequence(entropy))), the entropy given as 32-bit words."""
    pool = np.random.SeedSequence(np.array(entropy, dtype=np.uint32)).pool.tolist()
    return np.random.Generator(np.random.PCG64(_PCG64Seed(_pcg64_seed(pool))))


def draw_generator(seed: int, quarter: int, purpose: str, *key: str | int) -> np.random.Generator:
    """The generator of (seed, quarter, purpose, key…), made afresh: that of
    SeedSequence(seed, spawn_key=(ENGINE_TAG, quarter, purpose, key…)).

    The SeedSequence is given the entropy it would assemble from the seed and spawn key (the
    seed's words, zero-padded to the pool size, then the key's words) as one uint32 array: the
    same pool, so the same draws, made without numpy's slower reading of Python ints (a third
    of the cost of a generator, and a game makes hundreds)."""
    entropy = _quarter_entropy(seed, quarter)
    for part in (purpose, *key):
        entropy += _uint32_words(_code(part))
    return _generator(entropy)


class Draws:
    """The generators of one game, looked up by (purpose, key) within the current quarter.

    A generator is made when first asked for (~10 µs: a game makes hundreds); a tie-break stream,
    which most rankings never read, is asked for only at its first tie (clearing.TieKeys)."""

    def __init__(self, seed: int):
        self.seed = seed
        self._quarter = -1
        self._open: dict[tuple, np.random.Generator] = {}
        self._prefix: list[int] | None = None  # _quarter_entropy(seed, quarter) for this quarter
        self._words: dict[str, list[int]] = {}  # a string key part -> its words

    def get(self, quarter: int, purpose: str, *key: str | int) -> np.random.Generator:
        if quarter != self._quarter:
            self._open = {}
            self._quarter = quarter
            self._prefix = None
        k = (purpose, *key)
        gen = self._open.get(k)
        if gen is None:
            if self._prefix is None:
                self._prefix = _quarter_entropy(self.seed, quarter)
            entropy = self._prefix + self.part_words(purpose)
            for part in key:
                entropy += self.part_words(part)
            gen = self._open[k] = _generator(entropy)
        return gen

    def part_words(self, part: str | int) -> list[int]:
        """A purpose's or key part's words (a string's kept: the same few come back every quarter)."""
        if type(part) is not str:
            return _uint32_words(_code(part))
        words = self._words.get(part)
        if words is None:
            words = self._words[part] = _uint32_words(_code(part))
        return words

    def reseed(self, seed: int) -> None:
        """Draw from `seed` from the next quarter on; this quarter's open generators stay."""
        self.seed = seed
        self._prefix = None
        # generators already opened this quarter keep their own seed; new ones use the new seed


def agent_seed(seed: int, seat_index: int) -> np.random.SeedSequence:
    """The seed an agent in a seat gets: independent of every engine draw."""
    return np.random.SeedSequence(seed, spawn_key=(AGENT_TAG, seat_index))
