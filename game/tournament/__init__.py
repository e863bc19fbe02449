"""Tournaments: many seeded headless games, their stored results, and the statistics read from them."""


class TournamentError(Exception):
    """A user's mistake in a tournament or sweep request: one clear message, exit 2."""


# How the agents are seated (game/tournament/schedule.py explains each design).
SEATINGS = ("random", "round-robin", "paired", "rotate")
