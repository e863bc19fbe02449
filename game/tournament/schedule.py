"""Who sits where and with which seed, as a pure function of (tournament seed, game index).

An agent sits only at companies of its own archetype (from the agent registry); agents of
archetype "any" may sit anywhere. For each company, its *eligible* agents are those on the
list, in the order given, that may sit there. An agent list that leaves a company with no
eligible agent, or an agent with no seat it may take, is refused. Three designs (`--seating`):

- `random` (the default): game idx draws its line-up from a Generator made from the
  tournament seed and idx alone. Companies are filled in scenario order, each with an agent
  drawn uniformly from its eligible agents not yet seated in this game (an agent sits twice in
  a game only when its archetype has more companies than eligible agents). Every line-up has a
  chance, so every pair of agents that can meet does meet in a long enough run; the report
  counts how often each pair met and warns about any pair that never did.
- `round-robin`: the line-ups are enumerated (every assignment of eligible agents to
  companies, distinct within a game where there are enough agents) and game idx plays line-up
  idx mod L. A run of a multiple of L games plays every line-up equally often; any other
  number of games is refused, naming L.
- `paired`: games 2i and 2i+1 share one seed; game 2i is the random draw, and game 2i+1
  changes exactly one company (drawn) to another eligible agent. Each pair is a paired
  comparison on common random numbers, which `gridlock report` uses for narrower intervals.
- `rotate`: the old rule: the j-th company of an archetype (in scenario order) gets eligible
  agent (idx + j) mod (number eligible). Every agent sits in every seat equally often, but only
  a few line-ups are ever played, so some pairs never meet; kept to reproduce old runs.
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np

from ..agents import REGISTRY, UnknownAgent, make_agent
from ..scenario import Scenario
from . import SEATINGS, TournamentError

ANY = "any"

MAX_LINEUPS = 1_000_000  # a round-robin over more line-ups than this could never be played out
_SEATING_STREAM = 1  # spawn key next to the game index: the seat draw, never the game's own seed


def game_seed(tournament_seed: int, idx: int) -> int:
    """Game idx's seed: the idx-th child of the tournament seed (SeedSequence spawn key)."""
    state = np.random.SeedSequence(tournament_seed, spawn_key=(idx,)).generate_state(2, np.uint32)
    return (int(state[0]) << 31) ^ int(state[1])  # 63 bits: a valid `gridlock run --seed`


def split_agents(text: str) -> list[str]:
    """'hyperscaler,neocloud:ambition=1.2,borrow_fraction=0.5,random' -> three agent specs: a
    piece that is KEY=VALUE continues the parameters of the agent before it."""
    specs: list[str] = []
    for piece in (p.strip() for p in text.split(",")):
        if "=" in piece and ":" not in piece and specs and ":" in specs[-1]:
            specs[-1] += "," + piece
        else:
            specs.append(piece)
    return specs


def check_agents(agents: Sequence[str]) -> dict[str, str]:
    """{agent spec: archetype}, after building each agent once so a bad name or parameter is
    refused now rather than in a worker halfway through the run."""
    kinds = {}
    for a in agents:
        try:
            agent = make_agent(a, np.random.SeedSequence(0))  # a bot process starts only when seated
        except UnknownAgent as e:
            raise TournamentError(str(e)) from None
        info = REGISTRY.get(a.partition(":")[0].strip())
        # a plug-in class says which companies it plays with an `archetype` attribute (default: any)
        kinds[a] = info.archetype if info is not None else str(getattr(agent, "archetype", ANY))
    return kinds


class SeatPlan:
    """The eligible agents for every company of a scenario, checked once; seats(idx) per game."""

    def __init__(self, spec: Scenario, agents: Sequence[str], seating: str = "random", seed: int = 0):
        agents = [a.strip() for a in agents]
        if seating not in SEATINGS:
            raise TournamentError(f"--seating must be one of {', '.join(SEATINGS)}, got {seating!r}")
        if not agents or not all(agents):
            raise TournamentError("--agents needs a comma-separated list of agents, e.g. hyperscaler,neocloud,random")
        twice = sorted({a for a in agents if agents.count(a) > 1})
        if twice:
            raise TournamentError(f"--agents lists {', '.join(twice)} more than once")
        kinds = check_agents(agents)
        self.seating = seating
        self.seed = seed
        self.kinds = kinds
        self.companies = list(spec.companies)
        self.archetypes = {cid: c.archetype for cid, c in spec.companies.items()}
        self.slots: list[tuple[list[str], int]] = []  # per company: (eligible agents, j)
        count: dict[str, int] = {}
        empty: dict[str, list[str]] = {}
        for cid, c in spec.companies.items():
            eligible = [a for a in agents if kinds[a] in (c.archetype, ANY)]
            if not eligible:
                empty.setdefault(c.archetype, []).append(cid)
            self.slots.append((eligible, count.get(c.archetype, 0)))
            count[c.archetype] = count.get(c.archetype, 0) + 1
        if empty:
            arch, cids = next(iter(empty.items()))
            raise TournamentError(f"no agent in --agents can sit at the {arch} companies ({', '.join(cids)}): add an agent of archetype {arch!r} or {ANY!r} (see `gridlock agents`)")
        archetypes = {c.archetype for c in spec.companies.values()}
        idle = [a for a in agents if kinds[a] != ANY and kinds[a] not in archetypes]
        if idle:
            raise TournamentError(f"agent {idle[0]!r} is a {kinds[idle[0]]} but this scenario has no {kinds[idle[0]]} company to seat it at")
        self._lineups: list[tuple[str, ...]] | None = None
        if seating == "round-robin":
            self._lineups = lineups([e for e, _ in self.slots])

    @property
    def lineup_count(self) -> int | None:
        """L for a round-robin (games must be a multiple of it), else None."""
        return len(self._lineups) if self._lineups is not None else None

    def check_games(self, games: int) -> None:
        """A round-robin plays every line-up equally often, or refuses."""
        n = self.lineup_count
        if n is not None and games % n:
            lo, hi = games // n * n, (games // n + 1) * n
            closest = f"{lo} or {hi}" if lo else f"{hi}"
            raise TournamentError(f"--seating round-robin has {n} line-ups, so --games must be a multiple of {n} (e.g. {closest}); got {games}")

    def seed_index(self, idx: int) -> int:
        """Which child of the tournament seed game idx plays (paired games share one)."""
        return idx // 2 if self.seating == "paired" else idx

    def seats(self, idx: int) -> dict[str, str]:
        """{company: agent spec} for game idx, in scenario company order."""
        if self.seating == "paired":
            eligible = [e for e, _ in self.slots]
            lineup = draw_lineup(eligible, seat_rng(self.seed, idx // 2))
            if idx % 2:
                lineup = change_one(eligible, lineup, np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(idx // 2, _SEATING_STREAM, 1))))
            return dict(zip(self.companies, lineup))
        if self.seating == "rotate":
            return {cid: eligible[(idx + j) % len(eligible)] for cid, (eligible, j) in zip(self.companies, self.slots)}
        if self._lineups is not None:
            return dict(zip(self.companies, self._lineups[idx % len(self._lineups)]))
        return dict(zip(self.companies, draw_lineup([e for e, _ in self.slots], seat_rng(self.seed, idx))))


def seat_rng(tournament_seed: int, idx: int) -> np.random.Generator:
    """The seat draw of game idx: its own stream, so seats never share draws with the game."""
    return np.random.default_rng(np.random.SeedSequence(tournament_seed, spawn_key=(idx, _SEATING_STREAM)))


def draw_lineup(eligible: Sequence[Sequence[str]], rng: np.random.Generator) -> list[str]:
    """One agent per company, drawn uniformly from the company's eligible agents not yet seated
    in this game; when all of them are, from all of them again (a second seat for someone)."""
    seated: list[str] = []
    for options in eligible:
        pool = _feasible(options, seated)
        seated.append(pool[int(rng.integers(len(pool)))])
    return seated


def change_one(eligible: Sequence[Sequence[str]], lineup: Sequence[str], rng: np.random.Generator) -> list[str]:
    """The line-up with one company (drawn among those that have another eligible agent) given
    another agent, one not seated in the game where there is such an agent."""
    out = list(lineup)
    open_seats = [i for i, options in enumerate(eligible) if len(options) > 1]
    if not open_seats:
        return out
    i = open_seats[int(rng.integers(len(open_seats)))]
    others = [a for a in eligible[i] if a != out[i]]
    pool = [a for a in others if a not in out] or others
    out[i] = pool[int(rng.integers(len(pool)))]
    return out


def _feasible(options: Sequence[str], seated: Sequence[str]) -> list[str]:
    """The same rule as the random draw: agents not yet seated, else all (a second seat)."""
    return [a for a in options if a not in seated] or list(options)


def lineups(eligible: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    """Every line-up the random draw can produce, in a fixed order (the round-robin's cycle)."""
    out: list[tuple[str, ...]] = []

    def fill(prefix: list[str]) -> None:
        if len(out) > MAX_LINEUPS:
            raise TournamentError(f"--seating round-robin: more than {MAX_LINEUPS:,} line-ups; name fewer --agents or use --seating random")
        if len(prefix) == len(eligible):
            out.append(tuple(prefix))
            return
        for a in _feasible(eligible[len(prefix)], prefix):
            fill(prefix + [a])

    fill([])
    return out


def meetings(lineup_list: Sequence[dict[str, str]]) -> dict[tuple[str, str], int]:
    """How many of these games each unordered pair of distinct agents shared."""
    out: dict[tuple[str, str], int] = {}
    for seats in lineup_list:
        for a, b in itertools.combinations(sorted(set(seats.values())), 2):
            out[a, b] = out.get((a, b), 0) + 1
    return out
