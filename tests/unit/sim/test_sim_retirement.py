"""Retirement: an order that left the run can no longer be worked on by a flow."""

from __future__ import annotations

import pytest

from omsim.scenario import load_scenario
from omsim.sim.retirement import RunIntegrityError
from omsim.sim.run import run


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("tutorial", horizon_days=3)


def _noop(env):
    yield env.timeout(0)


@pytest.mark.parametrize("keep_retired", [True, False])
def test_a_flow_started_on_a_retired_order_fails_loudly(scenario, keep_retired) -> None:
    result = run(scenario, seed=2, keep_retired=keep_retired)
    model = result.model
    if keep_retired:
        retired = sorted(model.retired)
    else:  # written off at the end of the run are the orders still held in memory
        written = result.records.arrow()["OrderState"].to_pandas()["OrderSummaryId"]
        retired = [i for i in written if i not in model.summaries]
    assert retired, "no order was retired"
    with pytest.raises(RunIntegrityError, match=f"OrderSummary {retired[0]} was retired"):
        model.start(retired[0], _noop(model.env))


def test_a_flow_on_an_order_in_flight_holds_its_retirement(scenario) -> None:
    result = run(scenario, seed=2)
    model = result.model
    summary = next(s for s in result.summaries if s.id not in model.retired)
    before = model.tracks[summary.id].active
    model.start(summary.id, _noop(model.env))
    assert model.tracks[summary.id].active == before + 1
