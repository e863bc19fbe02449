"""Tournaments: many seeded headless games, their stored results, and the statistics read from them."""


class TournamentError(Exception):
    """A user's mistake in a tournament or sweep request: one clear message, exit 2."""
