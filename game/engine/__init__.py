"""The verbs of the game: one module per phase or market; turn.py names the phase order."""

from .turn import Game

__all__ = ["Game"]
