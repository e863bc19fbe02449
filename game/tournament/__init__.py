"""Tournaments: many seeded headless games, their stored results, and the statistics read from them."""
