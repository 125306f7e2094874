"""Scenarios: the schema of a scenario file, loading with ``extends``, and validation before a run.

``schema`` (with ``common`` and ``service``) types every parameter of a run; ``loading`` reads
YAML, merges ``extends`` and explains errors; ``validation`` checks what needs the built network
or importable code (routing strategies, flows, location ids in faults) before the clock starts.
"""

from __future__ import annotations

from omsim.scenario.loading import (
    SCENARIO_DIR,
    ScenarioError,
    deep_merge,
    load_scenario,
    resolve_scenario_path,
    scenario_from_dict,
    scenario_hash,
    scenario_source,
)
from omsim.scenario.schema import Scenario
from omsim.scenario.validation import ScenarioWarning, validate_for_run

__all__ = [
    "SCENARIO_DIR",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "deep_merge",
    "load_scenario",
    "resolve_scenario_path",
    "scenario_from_dict",
    "scenario_hash",
    "scenario_source",
    "validate_for_run",
]
