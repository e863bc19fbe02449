"""Workshops: a facilitator runs a room of teams over the network, from one durable command log."""
