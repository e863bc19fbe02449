"""Per-subsystem random streams, all derived from the game seed."""

from __future__ import annotations

import numpy as np

# One stream per subsystem, so a change in how one market draws cannot shift another's draws.
STREAMS = ("events", "power", "chips", "labour", "compute", "build", "finance", "ties", "agents")


def make_streams(seed: int) -> dict[str, np.random.Generator]:
    root = np.random.SeedSequence(seed)
    return {name: np.random.Generator(np.random.PCG64(child)) for name, child in zip(STREAMS, root.spawn(len(STREAMS)))}


def agent_seed(seed: int, seat_index: int) -> np.random.SeedSequence:
    """The seed an agent in a seat gets: independent of every engine stream."""
    return np.random.SeedSequence(seed, spawn_key=(len(STREAMS), seat_index))


def streams_state(streams: dict[str, np.random.Generator]) -> dict[str, dict]:
    return {name: g.bit_generator.state for name, g in streams.items()}


def restore_streams(state: dict[str, dict]) -> dict[str, np.random.Generator]:
    out = {}
    for name in STREAMS:
        bg = np.random.PCG64()
        bg.state = state[name]
        out[name] = np.random.Generator(bg)
    return out
