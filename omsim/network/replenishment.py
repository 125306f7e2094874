"""Replenishment policies as data, and the pure computation of what to order.

The engine decides *when* to look (every day for ``MinMaxPolicy``, on review days for
``PeriodicReviewPolicy``), asks :func:`order_quantity` how much, and books the order as a future
receipt arriving ``lead_time_days`` later. The inventory position compared is on hand + futures -
reserved (:meth:`omsim.network.inventory.Inventory.inventory_position`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def _check(policy: str, field: str, value: float, *, positive: bool = False) -> None:
    bad = not math.isfinite(value) or value < 0 or (positive and value == 0)
    if bad:
        raise ValueError(f"{policy}.{field} must be {'> 0' if positive else '>= 0'}, got {value}")


@dataclass(frozen=True)
class MinMaxPolicy:
    """Continuous-review (s, S): when the position is at or below ``s``, order up to ``S``.

    Attributes
    ----------
    s : int
        Reorder point, units.
    S : int
        Order-up-to level, units; greater than ``s``.
    lead_time_days : float
        Days from order to receipt.
    """

    s: int
    S: int
    lead_time_days: float

    def __post_init__(self) -> None:
        _check("MinMaxPolicy", "s", self.s)
        _check("MinMaxPolicy", "lead_time_days", self.lead_time_days)
        if self.s >= self.S:
            raise ValueError(f"MinMaxPolicy.S must be > s ({self.s}), got {self.S}")


@dataclass(frozen=True)
class PeriodicReviewPolicy:
    """Periodic review (R, S): every ``review_period_days``, order up to ``order_up_to``.

    Attributes
    ----------
    review_period_days : float
        Days between reviews; reviews happen at day 0, R, 2R, ...
    order_up_to : int
        Target inventory position after ordering, units.
    lead_time_days : float
        Days from order to receipt.
    """

    review_period_days: float
    order_up_to: int
    lead_time_days: float

    def __post_init__(self) -> None:
        _check("PeriodicReviewPolicy", "review_period_days", self.review_period_days, positive=True)
        _check("PeriodicReviewPolicy", "order_up_to", self.order_up_to, positive=True)
        _check("PeriodicReviewPolicy", "lead_time_days", self.lead_time_days)


ReplenishmentPolicy = MinMaxPolicy | PeriodicReviewPolicy


def order_quantity(policy: ReplenishmentPolicy, position: int) -> int:
    """Units to order now, given the inventory position (units) at a review.

    Examples
    --------
    >>> order_quantity(MinMaxPolicy(s=5, S=20, lead_time_days=3), position=5)
    15
    >>> order_quantity(MinMaxPolicy(s=5, S=20, lead_time_days=3), position=6)
    0
    >>> order_quantity(PeriodicReviewPolicy(7, order_up_to=30, lead_time_days=2), position=-4)
    34
    """
    if isinstance(policy, MinMaxPolicy):
        return policy.S - position if position <= policy.s else 0
    if isinstance(policy, PeriodicReviewPolicy):
        return max(0, policy.order_up_to - position)
    raise TypeError(
        f"policy must be MinMaxPolicy or PeriodicReviewPolicy, got {type(policy).__name__}"
    )


def is_review_day(policy: ReplenishmentPolicy, day: float) -> bool:
    """Whether the policy reviews at simulation ``day`` (days since start).

    ``MinMaxPolicy`` reviews continuously (always True); ``PeriodicReviewPolicy`` on multiples of
    its period.

    Examples
    --------
    >>> p = PeriodicReviewPolicy(7, order_up_to=30, lead_time_days=2)
    >>> is_review_day(p, 14.0), is_review_day(p, 15.0)
    (True, False)
    """
    if isinstance(policy, MinMaxPolicy):
        return True
    periods = day / policy.review_period_days
    return math.isclose(periods, round(periods), abs_tol=1e-9)


def receipt_day(policy: ReplenishmentPolicy, ordered_day: float) -> float:
    """Day (days since start) an order placed on ``ordered_day`` arrives."""
    return ordered_day + policy.lead_time_days
