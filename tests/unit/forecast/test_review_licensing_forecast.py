"""Review of issue 14's scenario Monte Carlo and contract-year pricing: bad options named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omsim.analysis.license_prices import EXAMPLE_PRICES, load_price_table
from omsim.forecast.costs import price_volumes
from omsim.forecast.history import ForecastError
from omsim.forecast.scenario import forecast_scenario
from omsim.scenario.loading import load_scenario


@pytest.mark.parametrize("coverage", [1.5, 0.0])
def test_a_bad_coverage_is_named_not_blamed_on_the_volumes(coverage: float) -> None:
    with pytest.raises(ForecastError) as error:
        price_volumes(
            load_price_table(EXAMPLE_PRICES),
            np.array([200_000.0, 300_000.0]),
            np.array([1e9, 2e9]),
            channel="Web",
            months=pd.period_range("2026-01", periods=12, freq="M"),
            currency="USD",
            coverage=coverage,
        )
    message = str(error.value)
    assert f"coverage: got {coverage!r}" in message
    assert "volumes cannot be priced" not in message


@pytest.mark.parametrize("seed", [-1, 2**63, 1.5])
def test_a_bad_seed_is_refused_by_name(seed: object) -> None:
    with pytest.raises(ForecastError, match=r"seed: got .*an integer in \[0, 2\*\*63\)"):
        forecast_scenario(load_scenario("tutorial"), n_paths=10, seed=seed)  # type: ignore[arg-type]


@pytest.mark.parametrize("options", [{"months": True}, {"n_paths": 2.5}, {"pool_orders": True}])
def test_counts_that_are_not_whole_numbers_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ForecastError, match=next(iter(options))):
        forecast_scenario(load_scenario("tutorial"), **options)  # type: ignore[arg-type]
