"""Gridlock: a strategy simulator and wargame of the AI-infrastructure market."""

__version__ = "0.1.0"
RULES_VERSION = 1
