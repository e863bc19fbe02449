"""The debrief: an after-action report of a saved game (what happened, why, and what would have
happened otherwise), as one self-contained HTML file, JSON and CSV."""

from .build import build

__all__ = ["build"]
