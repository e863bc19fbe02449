"""Agents: the Agent protocol, the built-in strategies (one file each) and plug-in loading."""

from . import (  # noqa: F401  (registers them)
    asic_bet,
    cautious,
    fast_follower,
    fortress,
    hyperscaler,
    idle,
    internaliser,
    landgrab,
    neocloud,
    random_legal,
    stranded_power,
    utilisation_king,
)
from .base import REGISTRY, Agent, AgentInfo, UnknownAgent, agents_for, make_agent

__all__ = ["REGISTRY", "Agent", "AgentInfo", "UnknownAgent", "agents_for", "make_agent"]
