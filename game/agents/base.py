"""The Agent protocol, tunable parameters, the registry of built-in agents, and seating by spec."""

from __future__ import annotations

import difflib
import math
from typing import Any, Callable, Iterator, Protocol, runtime_checkable

import numpy as np
from attrs import frozen

from ..model.view import CompanyView


@runtime_checkable
class Agent(Protocol):
    """Anything that turns its company's view into an order set.

    `decide` receives only that company's view (engine.observe builds it) and returns a list
    of orders: typed order objects from game.model.orders, or their JSON dicts.

    Constructor contract (built-ins and plug-ins alike): `Cls(seed, **params)`, where `seed` is
    a numpy SeedSequence owned by this seat (draw all randomness from it, e.g.
    `np.random.default_rng(seed)`) and `params` are the KEY=VALUE strings from the seat spec.
    """

    name: str

    def decide(self, view: CompanyView) -> list[Any]: ...


AgentFactory = Callable[..., Agent]
_NOT_PARAMETERS = frozenset({"name", "stochastic"})


class Tunable:
    """A base for agents whose habits are class attributes (bool, int, float or str) that a seat
    spec may override, `name:key=value,…`, each value converted to the default's type."""

    name = "agent"
    stochastic = False  # does it draw from its seed? (tournaments replay stochastic agents more)
    _replaces: tuple[str, ...] = ()  # inherited parameters a subclass stops using (it says why)
    _ranges: dict[str, tuple[float, float]] = {}  # allowed values of numeric parameters; default: not negative
    _choices: dict[str, tuple[str, ...]] = {}  # allowed values of text parameters; default: any

    def __init__(self, seed: np.random.SeedSequence | None = None, **params: Any):
        self._seed = seed
        self._rng: np.random.Generator | None = None
        known = self.parameters() if params else {}  # listing them costs more than a quarter's decision
        for key, raw in params.items():
            if key not in known:
                near = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise ValueError(f"no parameter {key!r}{hint}; parameters: {', '.join(known) or '(none)'}")
            value = _convert(key, raw, known[key])
            lo, hi = self.parameter_range(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not lo <= value <= hi:
                raise ValueError(f"parameter {key} must be between {lo:g} and {hi:g}, got {value!r}")
            choices = self._choices.get(key)
            if isinstance(value, str) and choices and value not in choices:
                raise ValueError(f"parameter {key} is one of {', '.join(choices)}, got {value!r}")
            setattr(self, key, value)

    @property
    def rng(self) -> np.random.Generator:
        """Its random generator, made from its seed when first used (most built-ins never draw)."""
        if self._rng is None:
            self._rng = np.random.default_rng(self._seed)
        return self._rng

    @rng.setter
    def rng(self, rng: np.random.Generator) -> None:
        self._rng = rng

    @classmethod
    def parameter_range(cls, key: str) -> tuple[float, float]:
        """Lowest and highest value a numeric parameter may take (subclasses may narrow it)."""
        for klass in cls.__mro__:
            r = vars(klass).get("_ranges", {}).get(key)
            if r is not None:
                return r
        return (0, math.inf)

    @classmethod
    def ranges(cls) -> dict[str, tuple[float, float]]:
        return {k: cls.parameter_range(k) for k, v in cls.parameters().items() if isinstance(v, (int, float)) and not isinstance(v, bool)}

    @classmethod
    def parameters(cls) -> dict[str, object]:
        """Every tunable habit and its default, by name."""
        return {
            k: getattr(cls, k)
            for k in sorted(dir(cls))
            if not k.startswith("_") and k not in _NOT_PARAMETERS and k not in cls._replaces and isinstance(getattr(cls, k), (bool, int, float, str))
        }


def _convert(key: str, raw: Any, default: object) -> object:
    kind = type(default)
    if isinstance(raw, kind) and not (kind is int and isinstance(raw, bool)):
        return raw
    text = str(raw).strip().lower()
    if kind is bool:
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"parameter {key} takes true or false, got {raw!r}")
    try:
        value = kind(str(raw).strip())
    except ValueError:
        raise ValueError(f"parameter {key} takes a {kind.__name__}, got {raw!r}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"parameter {key} must be a finite number, got {raw!r}")
    return value


@frozen
class AgentInfo:
    """A built-in agent as the tournament and `gridlock agents` see it.

    Iterating or indexing gives the older (factory, archetype, thesis) triple, so code that
    reads `REGISTRY[name][0]` or unpacks `factory, archetype, thesis = REGISTRY[name]` still works.
    """

    name: str
    factory: AgentFactory
    archetype: str  # "hyperscaler", "neocloud" or "any"
    thesis: str
    stochastic: bool
    parameters: dict[str, object]  # name -> default
    ranges: dict[str, tuple[float, float]]  # numeric parameter -> (lowest, highest) allowed

    def __iter__(self) -> Iterator[Any]:
        return iter((self.factory, self.archetype, self.thesis))

    def __getitem__(self, i: int) -> Any:
        return (self.factory, self.archetype, self.thesis)[i]

    def __len__(self) -> int:
        return 3

    def plays(self, archetype: str) -> bool:
        return self.archetype in ("any", archetype)


REGISTRY: dict[str, AgentInfo] = {}


def register(name: str, archetype: str, thesis: str) -> Callable[[type], type]:
    """Class decorator: list a built-in agent under `name` (metadata read from the class)."""

    def deco(cls: type) -> type:
        cls.name = name
        params = cls.parameters() if hasattr(cls, "parameters") else {}
        ranges = cls.ranges() if hasattr(cls, "ranges") else {}
        REGISTRY[name] = AgentInfo(name, cls, archetype, thesis, bool(getattr(cls, "stochastic", False)), params, ranges)
        return cls

    return deco


def agents_for(archetype: str) -> list[str]:
    """Names of the built-in agents that can play a company of this archetype."""
    return [n for n, info in sorted(REGISTRY.items()) if info.plays(archetype)]


class UnknownAgent(ValueError):
    """A seat spec that names no agent, or one that cannot be loaded or built; the message says why."""


def parse_agent_spec(text: str) -> tuple[str, dict[str, str]]:
    """'neocloud:ambition=1.2,borrow_fraction=0.5' -> ('neocloud', {...})."""
    name, _, rest = text.partition(":")
    return name.strip(), parse_parameters(rest, text)


def parse_parameters(rest: str, text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise UnknownAgent(f"agent parameter {part!r} is not KEY=VALUE (in {text!r})")
        if key.strip() in params:
            raise UnknownAgent(f"agent parameter {key.strip()!r} is given twice (in {text!r})")
        params[key.strip()] = value.strip()
    return params


def make_agent(spec: str, seed: np.random.SeedSequence) -> Agent:
    """An agent from its seat spec: a built-in 'name' or 'name:key=value,…', or a plug-in
    'package.module:Class', 'path/to/file.py[:Class]' (each optionally ':key=value,…')."""
    from . import plugin

    name = spec.partition(":")[0].strip()
    if name in REGISTRY:
        _, params = parse_agent_spec(spec)
        return build_agent(REGISTRY[name].factory, name, params, seed, spec if params else name)
    if spec.startswith("cmd:"):  # an external bot process: agents/external.py (before plug-ins: 'cmd:python3 bot.py')
        from .external import ExternalAgent

        return ExternalAgent.from_spec(spec, seed)
    if plugin.looks_like_plugin(spec):
        cls, params = plugin.load(spec)
        return build_agent(cls, spec, params, seed, spec)
    raise UnknownAgent(
        f"unknown agent {name!r}; built-in agents: {', '.join(sorted(REGISTRY))}"
        " (or a plug-in: package.module:Class or path/to/file.py:Class)"
    )


def build_agent(factory: AgentFactory, label: str, params: dict[str, str], seed: np.random.SeedSequence, name: str) -> Agent:
    """Construct an agent, turning any failure into one clear UnknownAgent line."""
    try:
        agent = factory(seed, **params)
    except (TypeError, ValueError) as e:
        raise UnknownAgent(f"agent {label!r}: {e}") from None
    except Exception as e:  # a plug-in's constructor may fail in any way
        raise UnknownAgent(f"agent {label!r} failed while being built: {type(e).__name__}: {e}") from None
    if not callable(getattr(agent, "decide", None)):
        raise UnknownAgent(f"agent {label!r} has no decide(view) method")
    try:
        agent.name = name
    except Exception as e:
        raise UnknownAgent(f"agent {label!r}: cannot set its name: {type(e).__name__}: {e}") from None
    return agent
