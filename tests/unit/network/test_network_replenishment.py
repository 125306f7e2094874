"""Replenishment policies and order quantities."""

import pytest

from omsim.network.replenishment import (
    MinMaxPolicy,
    PeriodicReviewPolicy,
    is_review_day,
    order_quantity,
    receipt_day,
)


@pytest.mark.parametrize(("position", "expected"), [(-3, 23), (0, 20), (5, 15), (6, 0), (40, 0)])
def test_min_max(position: int, expected: int) -> None:
    assert order_quantity(MinMaxPolicy(s=5, S=20, lead_time_days=2.0), position) == expected


@pytest.mark.parametrize(("position", "expected"), [(-3, 33), (0, 30), (29, 1), (30, 0), (35, 0)])
def test_periodic_review(position: int, expected: int) -> None:
    policy = PeriodicReviewPolicy(review_period_days=7, order_up_to=30, lead_time_days=4)
    assert order_quantity(policy, position) == expected


def test_review_days_and_receipt() -> None:
    policy = PeriodicReviewPolicy(review_period_days=7, order_up_to=30, lead_time_days=4)
    assert [d for d in range(22) if is_review_day(policy, d)] == [0, 7, 14, 21]
    assert is_review_day(MinMaxPolicy(1, 2, 0), 3.3)
    assert receipt_day(policy, 7.0) == 11.0


def test_bad_policies_are_named() -> None:
    with pytest.raises(ValueError, match=r"MinMaxPolicy.S must be > s \(5\), got 5"):
        MinMaxPolicy(s=5, S=5, lead_time_days=1)
    with pytest.raises(ValueError, match=r"MinMaxPolicy\.lead_time_days must be >= 0"):
        MinMaxPolicy(s=1, S=5, lead_time_days=-1)
    with pytest.raises(ValueError, match=r"PeriodicReviewPolicy\.review_period_days must be > 0"):
        PeriodicReviewPolicy(review_period_days=0, order_up_to=5, lead_time_days=1)
    with pytest.raises(TypeError, match="MinMaxPolicy or PeriodicReviewPolicy"):
        order_quantity("s,S", 3)  # type: ignore[arg-type]
