"""Tournaments: many seeded headless games, played in parallel, stored in SQLite."""


class TournamentError(Exception):
    """A user's mistake in a tournament or sweep request: one clear message, exit 2."""
