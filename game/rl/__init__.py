"""Reinforcement-learning adapters (optional extra [rl]): a PettingZoo ParallelEnv and a Gymnasium wrapper."""

from .encoding import Encoding
from .env import GridlockParallelEnv, parallel_env
from .single import GridlockSingleEnv

__all__ = ["Encoding", "GridlockParallelEnv", "GridlockSingleEnv", "parallel_env"]

# `gymnasium.make("gridlock/Single-v0", scenario="tutorial", company="corecell")`
import gymnasium as _gym  # noqa: E402

if "gridlock/Single-v0" not in _gym.registry:
    _gym.register("gridlock/Single-v0", entry_point="game.rl.single:GridlockSingleEnv")
