"""Scenario files: TOML in, a validated immutable spec out."""

from .load import (
    ScenarioError,
    available_scenarios,
    load_scenario,
    quarter_label,
    quarter_offset,
    scenario_from_dict,
    scenario_to_dict,
)
from .spec import Scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "available_scenarios",
    "load_scenario",
    "quarter_label",
    "quarter_offset",
    "scenario_from_dict",
    "scenario_to_dict",
]
