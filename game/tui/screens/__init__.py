"""The screens: new game, the game itself, order forms, reports, hand-over, game over, help, saves."""
