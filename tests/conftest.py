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
