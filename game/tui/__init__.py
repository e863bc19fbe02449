"""The Textual terminal UI: draws a session's views and sends its orders (game.session does the rest)."""
