"""A test-only plug-in agent (`path/to/flaky_agent.py:Flaky`): it fails to start in about one seat in three.

The runner forgives an agent that raises inside decide() (it loses that quarter's orders), so
to make a whole game raise this agent raises while it is being seated, decided by its seed."""

from __future__ import annotations

import numpy as np

from game.agents.random_legal import RandomLegal


class Flaky(RandomLegal):
    """Plays like random, but fails to start in about one seat in three."""

    archetype = "any"

    def __init__(self, seed: np.random.SeedSequence, **params):
        if seed.spawn_key and np.random.default_rng(seed).random() < 1 / 3:  # a real seat, not the up-front check
            raise RuntimeError("flaky agent failed to start")
        super().__init__(seed, **params)
