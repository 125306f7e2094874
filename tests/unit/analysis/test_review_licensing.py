"""Review of issue 14's licensing cost: whole-cent rounding and tier breaks, computed by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from omsim.analysis.license_costs import (
    EXAMPLE_PRICES,
    PriceTableError,
    annual_cost_cents,
    cost_summary,
    load_price_table,
    price_table_from_dict,
)


def gmv_table(share: float, minimum_cents: int) -> Any:
    return price_table_from_dict(
        {
            "currency": "USD",
            "order_summary": {"tiers": [{"up_to": None, "price_cents_per_order_summary": 1}]},
            "gmv": {"share_of_gmv": share, "minimum_annual_fee_cents": minimum_cents},
        }
    )


@pytest.mark.parametrize(
    ("share", "minimum", "gmv_cents", "cents"),
    [
        (0.015, 1_000, 66_700, 1_001),  # 1.5% of 667.00 is 10.005: half a cent, rounded up
        (0.0075, 1_000, 133_400, 1_001),  # 0.75% of 1,334.00 is 10.005
        (0.045, 1_000, 284_500, 12_803),  # 4.5% of 2,845.00 is 128.025
    ],
)
def test_half_a_cent_above_the_minimum_fee_rounds_up(
    share: float, minimum: int, gmv_cents: int, cents: int
) -> None:
    table = gmv_table(share, minimum)
    assert annual_cost_cents(table, "gmv", gmv_cents) == cents
    assert annual_cost_cents(table, "gmv", np.array([gmv_cents, 0])).tolist() == [cents, minimum]


@pytest.mark.parametrize(
    ("count", "cents"),
    [
        (99_999, 4_999_950),
        (100_000, 5_000_000),  # the first break: 100,000 x 50
        (100_001, 5_000_030),  # the first of the 30-cent band
        (500_000, 17_000_000),  # + 400,000 x 30
        (500_001, 17_000_020),  # the first of the open 20-cent band
        (1_000_000, 27_000_000),
    ],
)
def test_the_example_tiers_at_their_breaks(count: int, cents: int) -> None:
    table = load_price_table(EXAMPLE_PRICES)
    assert annual_cost_cents(table, "order_summary", count, use_entitlement=False) == cents


def test_the_example_entitlement_at_its_commitment() -> None:
    table = load_price_table(EXAMPLE_PRICES)
    counts = np.array([0, 249_999, 250_000, 250_001, 260_000])
    expected = [9_000_000, 9_000_000, 9_000_000, 9_000_045, 9_450_000]
    assert annual_cost_cents(table, "order_summary", counts).tolist() == expected
    summary = cost_summary(table, "order_summary", counts)
    assert summary.p_exceeds_entitlement == pytest.approx(2 / 5)  # strictly above 250,000
    # GMV: $100,000 for $15M, then 0.9% above; the minimum fee and share are not used
    gmv = np.array([0, 1_500_000_000, 1_600_000_000])
    assert annual_cost_cents(table, "gmv", gmv).tolist() == [10_000_000, 10_000_000, 10_900_000]


@pytest.mark.parametrize("field", ["gmv__share_of_gmv", "gmv__entitlement__overage_share_of_gmv"])
def test_a_share_written_as_a_percent_is_refused_saying_so(field: str) -> None:
    data = load_price_table(EXAMPLE_PRICES).model_dump()
    *parents, key = field.split("__")
    node = data
    for part in parents:
        node = node[part]
    node[key] = 0.8 * 100  # 80, meant as "0.8%"? or 80%? Either way not a fraction
    with pytest.raises(PriceTableError) as error:
        price_table_from_dict(data, source="p.yaml")
    message = str(error.value)
    assert f"{'.'.join(field.split('__'))}: got 80.0" in message
    assert "a fraction in [0, 1]" in message and "80% is 0.8" in message
