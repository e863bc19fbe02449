"""Benchmark: environment steps (quarters) per second of the PettingZoo env, random masked actions.

Prints the median over several runs of whole episodes, for the single-agent env too (one learner,
built-in agents in the other seats). No target yet; a step includes encoding every learner's
observation and mask and decoding its action.

    python bench/rl_speed.py [--scenario tutorial] [--episodes 5] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from game.rl import GridlockParallelEnv, GridlockSingleEnv
from game.scenario import load_scenario


def episodes(env: GridlockParallelEnv, n: int) -> int:
    steps = 0
    for seed in range(n):
        _, infos = env.reset(seed=seed)
        for i, a in enumerate(env.possible_agents):
            env.action_space(a).seed(seed * 100 + i)
        while env.agents:
            masks = {a: env.encoding.split_mask(infos[a]["action_mask"]) for a in env.agents}
            _, _, _, _, infos = env.step({a: env.action_space(a).sample(mask=masks[a]) for a in env.agents})
            steps += 1
    return steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="tutorial")
    ap.add_argument("--episodes", type=int, default=5, help="episodes per run")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    spec = load_scenario(args.scenario)
    envs = {
        "parallel (every company learns)": GridlockParallelEnv(spec),
        f"single ({next(iter(spec.companies))} learns)": GridlockSingleEnv(spec).parallel,
    }
    for label, env in envs.items():
        episodes(env, 1)  # warm-up
        rates = []
        for _ in range(args.runs):
            t = time.perf_counter()
            steps = episodes(env, args.episodes)
            rates.append(steps / (time.perf_counter() - t))
        print(f"{spec.game.name}, {label}: median {statistics.median(rates):,.0f} steps/s over {args.runs} runs of {args.episodes} episodes")


if __name__ == "__main__":
    main()
