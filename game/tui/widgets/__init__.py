"""Widgets that redraw from a Frame and post intents up."""
