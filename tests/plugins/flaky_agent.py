"""A test-only agent plug-in (`--plugin flaky_agent`): it fails to start in about one seat in three.

The runner forgives an agent that raises inside decide() (it loses that quarter's orders), so
to make a whole game raise this agent raises while it is being seated, decided by its seed."""

from __future__ import annotations

import numpy as np

from game.agents.base import register
from game.agents.random_legal import RandomLegal


@register("flaky", "any", "Plays like random, but fails to start in about one seat in three (for tests).")
class Flaky(RandomLegal):
    def __init__(self, seed: np.random.SeedSequence, **params):
        if seed.spawn_key and np.random.default_rng(seed).random() < 1 / 3:  # a real seat, not the up-front check
            raise RuntimeError("flaky agent failed to start")
        super().__init__(seed, **params)


@register("sovereign", "sovereign", "An agent for a kind of company no shipped scenario has (for tests).")
class Sovereign(RandomLegal):
    pass
