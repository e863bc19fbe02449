"""The idle agent: gives no orders at all; the floor every strategy must clear (doing nothing must lose)."""

from __future__ import annotations

from typing import Any

from ..model.view import CompanyView
from .base import Tunable, register


@register("idle", "any", "Gives no orders, ever: the do-nothing benchmark that every strategy of its archetype must beat.")
class Idle(Tunable):
    """Idle agent: gives no orders at all.

    Its company lives on what it starts with: sites, contracts, queue positions and outside
    cash flow. A sound scenario makes it finish last of its archetype (`gridlock balance`
    flags it otherwise), since doing nothing must lose.
    """

    def decide(self, v: CompanyView) -> list[Any]:
        return []
