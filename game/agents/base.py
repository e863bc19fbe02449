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


def parse_agent_spec(text: str) -> tuple[str, dict[str, str]]:
    """'neocloud:ambition=1.2,borrow_fraction=0.5' -> ('neocloud', {...})."""
    name, _, rest = text.partition(":")
    params: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise UnknownAgent(f"agent parameter {part!r} is not KEY=VALUE (in {text!r})")
        params[key.strip()] = value.strip()
    return name.strip(), params


def make_agent(spec: str, seed: np.random.SeedSequence) -> Agent:
    """An agent from its name and optional parameters, 'name' or 'name:key=value,…'."""
    if spec.startswith("cmd:"):  # an external bot process: agents/external.py
        from .external import ExternalAgent

        return ExternalAgent.from_spec(spec, seed)
    name, params = parse_agent_spec(spec)
    if name not in REGISTRY:
        raise UnknownAgent(f"unknown agent {name!r}; built-in agents: {', '.join(sorted(REGISTRY))}")
    try:
        agent = REGISTRY[name][0](seed, **params)
    except (TypeError, ValueError) as e:
        raise UnknownAgent(f"agent {name!r}: {e}") from None
    agent.name = spec if params else name
    return agent
