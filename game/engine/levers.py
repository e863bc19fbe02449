"""Event levers: what the active events do to the scenario's parameters this quarter (docs/rules.md)."""

from __future__ import annotations

from typing import Iterable, Mapping

from ..model.state import ActiveEvent

# Levers that are not held for an event's duration: each acts once, when its event fires
# (news.py applies it), and is then spent.
ONE_SHOT = frozenset({"smr_delay_add_quarters", "release_shift_quarters", "customer_default"})
# Levers that say "how much of something is blocked": two events pulling one give the larger.
LARGEST = frozenset({"moratorium", "export_restricted", "outage_fraction"})


def neutral(lever: str) -> float:
    """A lever's value when no event pulls it: 1 for a multiplier, 0 for the rest."""
    return 1.0 if lever.endswith("multiplier") else 0.0


def combine(lever: str, a: float, b: float) -> float:
    """Two pulls on one lever as one: multipliers multiply, blocking levers take the larger, the
    rest add. The one rule for two events on one target and for a global event on a target."""
    if lever.endswith("multiplier"):
        return a * b
    if lever in LARGEST:
        return max(a, b)
    return a + b


class Levers:
    """The quarter's levers: each (lever, target) the active events pull, and its combined value.

    A target is a region, vendor or generation id; "" is everywhere. A lever's value for a target
    combines the global pull with the target's own. Values are worked out on first ask and kept,
    which is safe because a Levers never changes: the news phase makes a new one each quarter
    (or keeps last quarter's when the events pull the same levers, keeping its values too).
    """

    __slots__ = ("pulled", "_values")

    def __init__(self, pulled: Mapping[tuple[str, str], float] | None = None):
        self.pulled: dict[tuple[str, str], float] = dict(pulled or {})
        self._values: dict[tuple[str, str], float] = {}

    @classmethod
    def of(cls, events: Iterable[ActiveEvent]) -> "Levers":
        """The levers the active events hold (one-shot effects are not held)."""
        pulled: dict[tuple[str, str], float] = {}
        for ev in events:
            for lever, v in ev.effects.items():
                if lever in ONE_SHOT:
                    continue
                key = (lever, ev.target)
                pulled[key] = combine(lever, pulled.get(key, neutral(lever)), v)
        return cls(pulled)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Levers) and self.pulled == other.pulled

    def __repr__(self) -> str:
        return f"Levers({self.pulled!r})"

    def value(self, lever: str, target: str = "") -> float:
        """The lever's value for a target (or everywhere, target "")."""
        key = (lever, target)
        hit = self._values.get(key)
        if hit is None:
            base = neutral(lever)
            hit = self.pulled.get((lever, ""), base)
            if target:
                hit = combine(lever, hit, self.pulled.get(key, base))
            self._values[key] = hit
        return hit
