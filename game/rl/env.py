"""A PettingZoo ParallelEnv: each learning company is an agent; the other seats play built-in agents."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from ..engine import Game
from ..model.view import CompanyView
from ..runner import play, seat_agents
from ..scenario import Scenario, load_scenario, quarter_label
from .encoding import OBS_LIMIT, Encoding


class _Decoded:
    """Stands in a learning company's seat for one quarter: plays the orders its action decodes to."""

    name = "rl"

    def __init__(self, encoding: Encoding):
        self.encoding = encoding
        self.action: Any = None

    def decide(self, view: CompanyView) -> list[Any]:
        return [] if self.action is None else self.encoding.decode(view, self.action)


class GridlockParallelEnv(ParallelEnv):
    """Gridlock as a simultaneous-move game, one PettingZoo agent per learning company.

    scenario: a shipped scenario's name, a TOML path, or a loaded Scenario ("tutorial" by default).
    learners: the companies the caller controls (all of them by default); every other seat plays
        its scenario agent, or the agent named for it in `opponents` ({company: "landgrab:…"}).
    region_slots / generation_slots: pad the encodings to share one layout across scenarios.

    One step is one quarter. Observations, actions and masks are documented in docs/rl.md; the
    action mask of each agent is in infos[agent]["action_mask"]. The reward is the change in the
    company's score (equity multiple, 0 once bankrupt) over the quarter, so an episode's rewards
    sum to its final score less its starting score. An agent terminates when its company goes
    bankrupt or the game ends; there is no truncation (every game has a fixed length).
    """

    metadata = {"name": "gridlock_v0", "render_modes": ["ansi"], "render_fps": 1, "is_parallelizable": True}

    def __init__(
        self,
        scenario: str | Scenario = "tutorial",
        learners: Sequence[str] | None = None,
        opponents: Mapping[str, str] | None = None,
        region_slots: int | None = None,
        generation_slots: int | None = None,
        render_mode: str | None = None,
    ):
        self.spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        companies = list(self.spec.companies)
        chosen = companies if learners is None else list(learners)
        unknown = [c for c in chosen if c not in self.spec.companies]
        if unknown or not chosen or len(set(chosen)) != len(chosen):
            raise ValueError(f"learners must be distinct companies of this scenario ({', '.join(companies)}); got {list(chosen)!r}")
        self.opponents = dict(opponents or {})
        clash = sorted(set(self.opponents) & set(chosen))
        if clash:
            raise ValueError(f"{', '.join(clash)} learn, so they cannot also be given an opponent agent")
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.possible_agents: list[str] = [c for c in companies if c in chosen]  # scenario order
        self.agents: list[str] = []
        self.encoding = Encoding(self.spec, region_slots, generation_slots)
        n = self.encoding.observation_size
        self._observation_spaces = {a: spaces.Box(-OBS_LIMIT, OBS_LIMIT, shape=(n,), dtype=np.float32) for a in self.possible_agents}
        self._action_spaces = {a: spaces.MultiDiscrete(self.encoding.nvec) for a in self.possible_agents}
        self._seeds = np.random.default_rng(0)  # game seeds for resets without a seed
        self.game: Game | None = None
        self._seats: dict[str, Any] = {}
        self._scores: dict[str, float] = {}

    def observation_space(self, agent: str) -> spaces.Box:
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.MultiDiscrete:
        return self._action_spaces[agent]

    # ---- the episode -------------------------------------------------------------------------
    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
        """A new game. With a seed the game is Game(scenario, seed); without, the next seed drawn
        from a generator that the last seeded reset (or seed 0) started."""
        if seed is not None:
            self._seeds = np.random.default_rng(seed)
            game_seed = int(seed)
        else:
            game_seed = int(self._seeds.integers(0, 2**31 - 1))
        self.game = Game(self.spec, game_seed)
        seats = seat_agents(self.spec, game_seed, self.opponents)
        for cid in self.possible_agents:
            seats[cid] = _Decoded(self.encoding)
        self._seats = seats
        self.agents = [a for a in self.possible_agents if self.game.alive(a)]
        self._scores = self._current_scores()
        views = {a: self.game.view(a) for a in self.agents}
        return {a: self.encoding.observe(v) for a, v in views.items()}, {a: self._info(a, v) for a, v in views.items()}

    def step(self, actions: Mapping[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        if self.game is None:
            raise RuntimeError("call reset() before step()")
        if not self.agents:
            raise RuntimeError("the episode is over; call reset()")
        stray = sorted(set(actions) - set(self.agents))
        if stray:
            raise ValueError(f"actions for {', '.join(map(repr, stray))}, which are not live agents ({', '.join(self.agents)})")
        live = list(self.agents)
        for a in live:
            action = actions.get(a)
            if action is not None:
                self.encoding.check(action)  # a malformed action fails here, clearly, not inside the game
            self._seats[a].action = action
        play(self.spec, self.game.seed, self._seats, game=self.game, max_quarters=1)
        for a in live:
            self._seats[a].action = None
        scores = self._current_scores()
        rewards = {a: float(scores[a] - self._scores[a]) for a in live}
        self._scores = scores
        over = self.game.finished
        terminations = {a: bool(over or not self.game.alive(a)) for a in live}
        truncations = {a: False for a in live}
        views = {a: self.game.view(a) for a in live}
        observations = {a: self.encoding.observe(v) for a, v in views.items()}
        infos = {a: self._info(a, v) for a, v in views.items()}
        self.agents = [a for a in live if not terminations[a]]
        return observations, rewards, terminations, truncations, infos

    def render(self) -> str | None:
        if self.render_mode != "ansi" or self.game is None:
            return None
        g = self.game
        when = "final" if g.finished else quarter_label(self.spec.game.start, g.quarter)
        lines = [f"{self.spec.game.name} {when} (seed {g.seed})"]
        lines += [f"  {cid:<12} score {self._scores.get(cid, 0.0):6.3f}{'' if g.alive(cid) else '  bankrupt'}" for cid in g.companies]
        return "\n".join(lines)

    def close(self) -> None:
        self.game = None

    # ---- helpers -------------------------------------------------------------------------------
    def _current_scores(self) -> dict[str, float]:
        return {row.id: row.score for row in self.game.result().standings}

    def _info(self, agent: str, view: CompanyView) -> dict[str, Any]:
        rejected = self.game.private_reports[-1][agent].rejected if self.game.private_reports and agent in self.game.private_reports[-1] else []
        return {
            "action_mask": self.encoding.mask(view),
            "score": float(self._scores.get(agent, 0.0)),
            "quarter": view.quarter_label,
            "rejected_orders": len(rejected),
        }


def parallel_env(**kwargs: Any) -> GridlockParallelEnv:
    """PettingZoo's usual constructor name."""
    return GridlockParallelEnv(**kwargs)
