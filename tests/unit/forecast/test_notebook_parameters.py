"""`omsim.forecast.notebook`: notebook 04's parameters refused up front, by name."""

from __future__ import annotations

import pytest

from omsim.analysis.license_prices import EXAMPLE_PRICES, load_price_table, price_table_from_dict
from omsim.forecast import ForecastError
from omsim.forecast.notebook import check_parameters, with_committed_order_summaries

DEFAULTS: dict[str, object] = {
    "history": "",
    "horizon_months": 24,
    "prices": "",
    "channel": "",
    "currency": "",
    "committed_order_summaries": 0,
    "holdout_months": 12,
    "coverage": 0.8,
    "paths": 2000,
    "seed": 0,
}


def test_the_notebooks_defaults_pass() -> None:
    check_parameters(**DEFAULTS)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("paths", "lots", "simulated paths, a whole number 100 or more"),
        ("paths", 99, "100 or more"),
        ("paths", 200.0, "a whole number 100 or more"),
        ("horizon_months", -3, "a whole number from 12 to 36"),
        ("horizon_months", 37, "a whole number from 12 to 36"),
        ("horizon_months", True, "a whole number from 12 to 36"),
        ("holdout_months", 0, "a whole number >= 1"),
        ("committed_order_summaries", -1, "a whole number >= 0"),
        ("committed_order_summaries", "250000", "a whole number >= 0"),
        ("coverage", 1.0, "a fraction in (0, 1)"),
        ("coverage", float("nan"), "a fraction in (0, 1)"),
        ("coverage", "0.8", "a fraction in (0, 1)"),
        ("seed", -1, "a seed is an integer in [0, 2**63)"),
        ("seed", 1.5, "a seed is an integer in [0, 2**63)"),
        ("history", None, "a string, '' for the default"),
        ("prices", 3, "a string, '' for the default"),
        ("channel", ["Web"], "a string"),
        ("currency", 978, "a string"),
    ],
)
def test_a_bad_parameter_is_named_with_what_it_allows(
    name: str, value: object, allowed: str
) -> None:
    with pytest.raises(ForecastError, match=rf"^parameter {name}: got ") as error:
        check_parameters(**(DEFAULTS | {name: value}))  # type: ignore[arg-type]
    assert allowed in str(error.value) and repr(value) in str(error.value)


def test_a_committed_count_replaces_the_tables_and_keeps_its_prices() -> None:
    table = load_price_table(EXAMPLE_PRICES)
    changed = with_committed_order_summaries(table, 300_000, source="example")
    assert changed.order_summary.entitlement is not None and table.order_summary.entitlement
    assert changed.order_summary.entitlement.committed_order_summaries == 300_000
    assert changed.order_summary.entitlement.model_dump(
        exclude={"committed_order_summaries"}
    ) == table.order_summary.entitlement.model_dump(exclude={"committed_order_summaries"})
    assert changed.gmv == table.gmv and changed.order_summary.tiers == table.order_summary.tiers


def test_a_committed_count_needs_a_table_with_an_entitlement() -> None:
    data = load_price_table(EXAMPLE_PRICES).model_dump()
    data["order_summary"]["entitlement"] = None
    table = price_table_from_dict(data, source="mine.yaml")
    with pytest.raises(ForecastError) as error:
        with_committed_order_summaries(table, 300_000, source="mine.yaml")
    message = str(error.value)
    assert message.startswith("parameter committed_order_summaries 300000: the price table ")
    assert "mine.yaml has no Order Summary entitlement" in message
    assert "order_summary.entitlement" in message and "give 0" in message
