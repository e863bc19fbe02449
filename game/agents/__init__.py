"""Agents: the Agent protocol and the built-in strategies (one file each)."""

from . import hyperscaler, neocloud, random_legal  # noqa: F401  (registers them)
from .base import REGISTRY, Agent, UnknownAgent, make_agent

__all__ = ["REGISTRY", "Agent", "UnknownAgent", "make_agent"]
