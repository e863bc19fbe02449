"""The Agent protocol and the registry of built-in agents."""

from __future__ import annotations

from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np

from ..model.view import CompanyView


@runtime_checkable
class Agent(Protocol):
    """Anything that turns its company's view into an order set.

    `decide` receives only that company's view (engine.observe builds it) and returns a list
    of orders: typed order objects from game.model.orders, or their JSON dicts.
    """

    name: str

    def decide(self, view: CompanyView) -> list[Any]: ...


AgentFactory = Callable[[np.random.SeedSequence], Agent]
REGISTRY: dict[str, tuple[AgentFactory, str, str]] = {}  # name -> (factory, archetype, thesis)


def register(name: str, archetype: str, thesis: str) -> Callable[[type], type]:
    def deco(cls: type) -> type:
        REGISTRY[name] = (cls, archetype, thesis)
        cls.name = name
        return cls

    return deco


class UnknownAgent(ValueError):
    pass


def make_agent(name: str, seed: np.random.SeedSequence) -> Agent:
    if name not in REGISTRY:
        raise UnknownAgent(f"unknown agent {name!r}; built-in agents: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name][0](seed)
