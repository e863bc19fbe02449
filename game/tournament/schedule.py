"""Who sits where and with which seed, as a pure function of (tournament seed, game index).

Fill rules. An agent sits only at companies of its own archetype (from the agent registry);
agents of archetype "any" may sit anywhere. For each company, its *eligible* agents are those
on the list, in the order given, that may sit there. Game `idx` seats, at the j-th company of
an archetype (counting in scenario order), eligible agent number (idx + j) mod (number
eligible). So companies of one archetype get different agents whenever there are enough, and
over any run of that many consecutive games every eligible agent sits in every one of those
seats exactly once: seat order cannot bias the results. An agent list that leaves a company
with no eligible agent, or an agent with no seat it may take, is refused.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..agents import REGISTRY, UnknownAgent, make_agent
from ..scenario import Scenario
from . import TournamentError

ANY = "any"


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

    def __init__(self, spec: Scenario, agents: Sequence[str]):
        agents = [a.strip() for a in agents]
        if not agents or not all(agents):
            raise TournamentError("--agents needs a comma-separated list of agents, e.g. hyperscaler,neocloud,random")
        twice = sorted({a for a in agents if agents.count(a) > 1})
        if twice:
            raise TournamentError(f"--agents lists {', '.join(twice)} more than once")
        kinds = check_agents(agents)
        self.companies = list(spec.companies)
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

    def seats(self, idx: int) -> dict[str, str]:
        """{company: agent spec} for game idx, in scenario company order."""
        return {cid: eligible[(idx + j) % len(eligible)] for cid, (eligible, j) in zip(self.companies, self.slots)}
