"""Every shipped scenario builds its world and runs a simulated day cleanly."""

from pathlib import Path

import pytest

from omsim.scenario import SCENARIO_DIR, load_scenario
from omsim.sim.run import run

SHIPPED = sorted(p.stem for p in Path(SCENARIO_DIR).glob("*.yaml"))


def test_the_three_scenarios_are_shipped() -> None:
    assert {"tutorial", "regional_retailer", "peak_season"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_runs_a_day(name: str) -> None:
    result = run(load_scenario(name, horizon_days=1))
    assert len(result.summaries) > 0
    assert result.state_counts  # accounting ran and every order has a state
