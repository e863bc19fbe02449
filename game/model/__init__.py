"""The nouns of the game: state, orders and views."""
