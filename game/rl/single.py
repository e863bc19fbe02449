"""A Gymnasium single-agent env: one company learns, every other seat plays a built-in agent."""

from __future__ import annotations

from typing import Any, Mapping

import gymnasium as gym
import numpy as np

from ..scenario import Scenario, load_scenario
from .env import GridlockParallelEnv


class GridlockSingleEnv(gym.Env):
    """One company of a scenario under the caller's control; the rest play their scenario agents
    (or those named in `opponents`, {company: "landgrab:leverage=0.8"}).

    Same observation, action, mask and reward as GridlockParallelEnv (docs/rl.md). The mask is in
    info["action_mask"] and from action_masks() (the sb3-contrib MaskablePPO convention, flat).
    The episode terminates when the game ends or the company goes bankrupt.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 1}

    def __init__(
        self,
        scenario: str | Scenario = "tutorial",
        company: str | None = None,
        opponents: Mapping[str, str] | None = None,
        region_slots: int | None = None,
        generation_slots: int | None = None,
        render_mode: str | None = None,
    ):
        spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.company = company if company is not None else next(iter(spec.companies))
        if self.company not in spec.companies:
            raise ValueError(f"no company {self.company!r} in this scenario; companies: {', '.join(spec.companies)}")
        self.parallel = GridlockParallelEnv(spec, [self.company], opponents, region_slots, generation_slots, render_mode)
        self.render_mode = render_mode
        self.encoding = self.parallel.encoding
        self.observation_space = self.parallel.observation_space(self.company)
        self.action_space = self.parallel.action_space(self.company)
        self._mask = np.ones(self.encoding.mask_size, dtype=np.int8)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        obs, infos = self.parallel.reset(seed=seed, options=options)
        self._mask = infos[self.company]["action_mask"]
        return obs[self.company], infos[self.company]

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        obs, rewards, terminations, truncations, infos = self.parallel.step({self.company: action})
        c = self.company
        self._mask = infos[c]["action_mask"]
        return obs[c], rewards[c], terminations[c], truncations[c], infos[c]

    def action_masks(self) -> np.ndarray:
        """The flat mask for the current quarter, as a bool array (MaskablePPO's convention)."""
        return self._mask.astype(bool)

    def render(self) -> str | None:
        return self.parallel.render()

    def close(self) -> None:
        self.parallel.close()
