"""The idle agent: gives no orders at all; the floor every strategy must clear (doing nothing must lose)."""

from __future__ import annotations

from typing import Any

from ..model.view import CompanyView
from .base import Tunable, register


@register("idle", "any", "Gives no orders, ever: the do-nothing benchmark that every strategy of its archetype must beat.")
class Idle(Tunable):
    """Gives no orders; its company lives on its starting sites, contracts and outside cash flow."""

    def decide(self, v: CompanyView) -> list[Any]:
        return []
