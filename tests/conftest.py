"""Shared fixtures: the shipped scenarios, loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from game.scenario import Scenario, load_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    return SCENARIOS


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario("baseline")


@pytest.fixture(scope="session")
def tutorial() -> Scenario:
    return load_scenario("tutorial")


@pytest.fixture(scope="session")
def grid_crunch() -> Scenario:
    return load_scenario("grid-crunch")


@pytest.fixture(scope="session")
def baseline_text() -> str:
    """The baseline TOML as written, for tests that copy and mutate it."""
    return (SCENARIOS / "baseline.toml").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def baseline_played(baseline, tmp_path_factory):
    """A 24-quarter baseline game (seed 2) played in-process by the scenario's agents, and its
    save (for the replay's tests)."""
    from game.runner import play, seat_agents
    from game.saves import save_game

    agents = seat_agents(baseline, 2)
    game, _ = play(baseline, 2, agents)
    path = tmp_path_factory.mktemp("played") / "baseline.json"
    save_game(game, path, {cid: a.name for cid, a in agents.items()})
    return game, path
