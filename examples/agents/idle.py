"""An agent that never gives an order: the yardstick every strategy must beat.

Seat it with:   gridlock run --seat aurora=examples/agents/idle.py:Idle
"""

from __future__ import annotations

from typing import Any


class Idle:
    """Gives no orders, ever: its company keeps what it started with and runs it as it stands."""

    name = "idle"

    def __init__(self, seed: Any = None, **params: Any):
        self.seed = seed

    def decide(self, view: Any) -> list:
        return []
