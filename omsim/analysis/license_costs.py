"""What Order Management would cost under each licensing model, from a price table given as data.

Salesforce licenses Order Management either by the number of managed Order Summaries created or
by a share of their GMV (gross merchandise value); the billing type is set per sales channel.
This module prices an annual volume under both models from a `PriceTable` read from YAML (see
``omsim/data/prices/example-prices.yaml``): no price is written in the code, every figure is an
input. Money is in integer cents of the table's currency; volumes are annual Order Summary
counts (``order_summary`` model) or annual GMV in cents (``gmv`` model).

Each model's annual cost is a continuous, non-decreasing, piecewise-linear function of its
volume, held as `Curve` (breakpoints and the slope beyond the last one):

- ``order_summary``: graduated (marginal) tiers, as a utility bills: every Order Summary above
  one break and up to the next costs that tier's price, so the cost never jumps at a break
  (an all-units table, where the whole volume takes the price of the tier it reaches, is not
  what this prices).
- ``gmv``: ``share_of_gmv`` of the GMV, at least ``minimum_annual_fee_cents``.
- an ``entitlement`` on either model (a committed annual volume bought for a committed price)
  replaces that model's list price: the committed price is owed whatever the volume (take or
  pay), and every unit above the committed volume costs the overage price. ``use_entitlement=
  False`` prices the list instead, to see what the commitment saves.

`cost_summary` prices simulated annual volumes (forecast draws), `compare_costs` prices both
models on the same draws, and `break_even` solves exactly where the two models cost the same,
with rational arithmetic on the curves.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from omsim.analysis.license_prices import (
    EXAMPLE_PRICES,
    MODELS,
    LicenseModel,
    PriceTable,
    PriceTableError,
    load_price_table,
    price_table_from_dict,
    require_currency,
)

__all__ = [
    "EXAMPLE_PRICES",
    "MODELS",
    "BreakEven",
    "CostComparison",
    "CostSummary",
    "Curve",
    "PriceTable",
    "PriceTableError",
    "annual_cost_cents",
    "break_even",
    "compare_costs",
    "cost_curve",
    "cost_summary",
    "load_price_table",
    "price_table_from_dict",
    "require_currency",
]


# --- cost curves -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    """A continuous piecewise-linear annual cost: cents at each breakpoint, a slope beyond.

    ``xs`` (volumes, ``xs[0] == 0``) and ``ys`` (cents) are exact rationals; ``slope`` is the
    cost in cents of each unit of volume above ``xs[-1]``.
    """

    xs: tuple[Fraction, ...]
    ys: tuple[Fraction, ...]
    slope: Fraction

    def at(self, volume: Fraction) -> Fraction:
        """The exact cost at one volume."""
        i = bisect.bisect_right(self.xs, volume) - 1
        if i == len(self.xs) - 1:
            return self.ys[-1] + self.slope * (volume - self.xs[-1])
        x0, x1, y0, y1 = self.xs[i], self.xs[i + 1], self.ys[i], self.ys[i + 1]
        return y0 + (y1 - y0) * (volume - x0) / (x1 - x0)

    def values(self, volumes: NDArray[np.float64]) -> NDArray[np.float64]:
        """The cost at many volumes, in floating point."""
        xs = np.array([float(x) for x in self.xs])
        ys = np.array([float(y) for y in self.ys])
        beyond = ys[-1] + float(self.slope) * (volumes - xs[-1])
        return np.where(volumes > xs[-1], beyond, np.interp(volumes, xs, ys))

    def scaled(self, factor: Fraction) -> Curve:
        """The same cost against a volume ``factor`` times smaller (GMV against a count)."""
        return Curve(tuple(x / factor for x in self.xs), self.ys, self.slope * factor)


def _decimal(value: float) -> Fraction:
    """The number as written (``0.008`` is 1/125), not its nearest binary double."""
    return Fraction(repr(float(value)))


def cost_curve(table: PriceTable, model: LicenseModel, *, use_entitlement: bool = True) -> Curve:
    """The annual cost of ``model`` as a function of its annual volume.

    Examples
    --------
    >>> curve = cost_curve(load_price_table(EXAMPLE_PRICES), "order_summary", use_entitlement=False)
    >>> [int(x) for x in curve.xs], [int(y) for y in curve.ys], int(curve.slope)
    ([0, 100000, 500000], [0, 5000000, 17000000], 20)
    """
    if model == "order_summary":
        pricing = table.order_summary
        if use_entitlement and pricing.entitlement is not None:
            deal = pricing.entitlement
            committed = Fraction(deal.committed_price_cents)
            xs = (Fraction(0), Fraction(deal.committed_order_summaries))
            return Curve(xs, (committed, committed), Fraction(deal.overage_cents_per_order_summary))
        breaks, ys = [Fraction(0)], [Fraction(0)]
        for tier in pricing.tiers[:-1]:
            up_to = Fraction(tier.up_to)  # type: ignore[arg-type]  # checked: only the last is open
            ys.append(ys[-1] + tier.price_cents_per_order_summary * (up_to - breaks[-1]))
            breaks.append(up_to)
        return Curve(
            tuple(breaks), tuple(ys), Fraction(pricing.tiers[-1].price_cents_per_order_summary)
        )
    if model == "gmv":
        gmv = table.gmv
        if use_entitlement and gmv.entitlement is not None:
            deal_gmv = gmv.entitlement
            committed = Fraction(deal_gmv.committed_price_cents)
            xs = (Fraction(0), Fraction(deal_gmv.committed_gmv_cents))
            return Curve(xs, (committed, committed), _decimal(deal_gmv.overage_share_of_gmv))
        share, minimum = _decimal(gmv.share_of_gmv), Fraction(gmv.minimum_annual_fee_cents)
        if minimum == 0 or share == 0:
            return Curve((Fraction(0),), (minimum,), share)
        return Curve((Fraction(0), minimum / share), (minimum, minimum), share)
    raise ValueError(f"model: got {model!r}; allowed: {', '.join(MODELS)}")


def _volumes(volume: ArrayLike, model: LicenseModel) -> NDArray[np.float64]:
    values = np.asarray(volume, dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        unit = "Order Summaries" if model == "order_summary" else "GMV cents"
        raise ValueError(
            f"annual volumes ({unit}) must be finite and >= 0; got {float(values[bad].flat[0])!r} "
            f"({int(bad.sum())} of {values.size} bad)"
        )
    return values


@overload
def annual_cost_cents(
    table: PriceTable, model: LicenseModel, volume: float, *, use_entitlement: bool = ...
) -> int: ...
@overload
def annual_cost_cents(
    table: PriceTable, model: LicenseModel, volume: NDArray[Any], *, use_entitlement: bool = ...
) -> NDArray[np.int64]: ...
def annual_cost_cents(
    table: PriceTable, model: LicenseModel, volume: Any, *, use_entitlement: bool = True
) -> int | NDArray[np.int64]:
    """The annual licence cost of one annual volume, or of each of an array of them.

    Parameters
    ----------
    table : PriceTable
    model : {"order_summary", "gmv"}
    volume : float or numpy.ndarray
        Managed Order Summaries created in the year (``order_summary``) or their GMV in cents
        (``gmv``); finite and >= 0, fractional volumes (forecast means) priced pro rata.
    use_entitlement : bool
        Price the model's entitlement where it has one (default), else its list price.

    Returns
    -------
    int or numpy.ndarray of int64
        Cents of ``table.currency``: the exact cost of the volume (a binary float's exact
        value), rounded half up to whole cents.

    Examples
    --------
    >>> table = load_price_table(EXAMPLE_PRICES)
    >>> annual_cost_cents(table, "order_summary", 150_000, use_entitlement=False)
    6500000
    """
    values = _volumes(volume, model)
    curve = cost_curve(table, model, use_entitlement=use_entitlement)
    half = Fraction(1, 2)  # exact: floating point can put half a cent on either side
    costs = [math.floor(curve.at(Fraction(float(v))) + half) for v in values.ravel()]
    if values.ndim == 0:
        return costs[0]
    return np.array(costs, dtype=np.int64).reshape(values.shape)


# --- simulated volumes -------------------------------------------------------------------------


@dataclass(frozen=True)
class CostSummary:
    """The annual cost of one licensing model over simulated annual volumes (forecast draws).

    Money in cents of ``currency``; volumes in the model's unit (Order Summaries or GMV cents).
    ``low_cents``-``high_cents`` is the central interval holding ``coverage`` of the draws'
    costs: where the year's cost falls, not a confidence interval of ``expected_cents``.
    ``p_exceeds_entitlement`` is the share of draws whose volume is above the committed volume
    (None without an entitlement, or with ``use_entitlement=False``).
    """

    model: LicenseModel
    currency: str
    n_draws: int
    expected_volume: float
    expected_cents: float
    p10_cents: float
    p50_cents: float
    p90_cents: float
    coverage: float
    low_cents: float
    high_cents: float
    committed_volume: int | None
    p_exceeds_entitlement: float | None


def cost_summary(
    table: PriceTable,
    model: LicenseModel,
    volumes: ArrayLike,
    *,
    coverage: float = 0.8,
    use_entitlement: bool = True,
) -> CostSummary:
    """Expected annual cost, its interval and the chance of exceeding the entitlement.

    Parameters
    ----------
    table : PriceTable
    model : {"order_summary", "gmv"}
    volumes : array_like
        One simulated annual volume per forecast draw: managed Order Summaries created, or their
        GMV in cents.
    coverage : float
        Share of draws the cost interval holds, in (0, 1); 0.8 gives P10-P90.
    use_entitlement : bool
        Price the entitlement where the model has one (default), else the list price.

    Examples
    --------
    >>> table = load_price_table(EXAMPLE_PRICES)
    >>> s = cost_summary(table, "order_summary", [200_000, 300_000, 400_000, 500_000])
    >>> s.expected_cents, s.p_exceeds_entitlement
    (14062500.0, 0.75)
    """
    if not 0 < coverage < 1:
        raise ValueError(f"coverage: got {coverage!r}; a share of the draws in (0, 1)")
    values = _volumes(volumes, model).ravel()
    if values.size == 0:
        raise ValueError("volumes: no draws to summarise; give at least one annual volume")
    costs = cost_curve(table, model, use_entitlement=use_entitlement).values(values)
    tail = (1 - coverage) / 2
    p10, p50, p90, low, high = np.quantile(costs, [0.1, 0.5, 0.9, tail, 1 - tail])
    committed = _committed_volume(table, model) if use_entitlement else None
    return CostSummary(
        model=model,
        currency=table.currency,
        n_draws=int(values.size),
        expected_volume=float(values.mean()),
        expected_cents=float(costs.mean()),
        p10_cents=float(p10),
        p50_cents=float(p50),
        p90_cents=float(p90),
        coverage=coverage,
        low_cents=float(low),
        high_cents=float(high),
        committed_volume=committed,
        p_exceeds_entitlement=None if committed is None else float((values > committed).mean()),
    )


@dataclass(frozen=True)
class CostComparison:
    """The two licensing models priced on the same forecast draws (paired), in cents.

    ``difference_*`` is the per-Order-Summary model's cost minus the GMV model's, draw by draw
    (> 0: licensing by GMV is cheaper); ``p_gmv_cheaper`` is the share of draws where it is.
    """

    order_summary: CostSummary
    gmv: CostSummary
    expected_difference_cents: float
    difference_low_cents: float
    difference_high_cents: float
    p_gmv_cheaper: float


def compare_costs(
    table: PriceTable,
    order_summaries: ArrayLike,
    gmv_cents: ArrayLike,
    *,
    coverage: float = 0.8,
    use_entitlement: bool = True,
) -> CostComparison:
    """Both models' annual cost on paired draws: one annual count and its GMV per draw.

    Examples
    --------
    >>> table = load_price_table(EXAMPLE_PRICES)
    >>> c = compare_costs(table, [200_000, 400_000], [1.0e9, 2.0e9])
    >>> c.expected_difference_cents, c.p_gmv_cheaper
    (125000.0, 0.5)
    """
    counts = _volumes(order_summaries, "order_summary").ravel()
    gmv = _volumes(gmv_cents, "gmv").ravel()
    if counts.shape != gmv.shape:
        raise ValueError(
            f"order_summaries and gmv_cents: {counts.size} and {gmv.size} draws; give one "
            "annual count and its GMV per draw"
        )
    pairs: tuple[tuple[LicenseModel, NDArray[np.float64]], ...] = (
        ("order_summary", counts),
        ("gmv", gmv),
    )
    summaries = [
        cost_summary(table, model, values, coverage=coverage, use_entitlement=use_entitlement)
        for model, values in pairs
    ]
    difference = cost_curve(table, "order_summary", use_entitlement=use_entitlement).values(
        counts
    ) - cost_curve(table, "gmv", use_entitlement=use_entitlement).values(gmv)
    tail = (1 - coverage) / 2
    low, high = np.quantile(difference, [tail, 1 - tail])
    return CostComparison(
        order_summary=summaries[0],
        gmv=summaries[1],
        expected_difference_cents=float(difference.mean()),
        difference_low_cents=float(low),
        difference_high_cents=float(high),
        p_gmv_cheaper=float((difference > 0).mean()),
    )


def _committed_volume(table: PriceTable, model: LicenseModel) -> int | None:
    if model == "order_summary":
        deal = table.order_summary.entitlement
        return None if deal is None else deal.committed_order_summaries
    gmv_deal = table.gmv.entitlement
    return None if gmv_deal is None else gmv_deal.committed_gmv_cents


# --- break-even --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BreakEven:
    """Where licensing by Order Summary count and by GMV cost the same, for one order value.

    Assumes GMV = count x ``average_order_value_cents``: one average order value at every
    volume. ``crossings`` lists every annual Order Summary count at which the cheaper model
    changes (piecewise-linear costs can cross more than once); ``order_summaries`` and
    ``gmv_cents`` give the first, or None when the models never cross, ``reason`` saying why.
    ``cheaper_below`` is the cheaper model below the first crossing (everywhere when none),
    None when they cost the same at every volume.
    """

    average_order_value_cents: float
    order_summaries: float | None
    gmv_cents: float | None
    crossings: tuple[float, ...]
    cheaper_below: LicenseModel | None
    reason: str


def break_even(
    table: PriceTable, average_order_value_cents: float, *, use_entitlement: bool = True
) -> BreakEven:
    """The annual Order Summary count (and GMV) at which the two licensing models cost the same.

    Solved exactly: both costs are piecewise linear in the count, so their difference is linear
    between the union of their breakpoints and is evaluated there in rational arithmetic; a
    crossing is a volume where the difference changes sign (the start of a stretch where they
    are equal, if it passes through one).

    Parameters
    ----------
    table : PriceTable
    average_order_value_cents : float
        GMV per counted Order Summary, in cents, > 0.
    use_entitlement : bool
        Price the entitlements where given (default), else both list prices.

    Examples
    --------
    >>> table = load_price_table(EXAMPLE_PRICES)
    >>> b = break_even(table, 5_000, use_entitlement=False)
    >>> b.crossings, b.gmv_cents, b.cheaper_below
    ((40000.0, 200000.0), 200000000.0, 'order_summary')
    """
    aov = float(average_order_value_cents)
    if not (np.isfinite(aov) and aov > 0):
        raise ValueError(
            f"average_order_value_cents: got {average_order_value_cents!r}; a number > 0"
        )
    by_count = cost_curve(table, "order_summary", use_entitlement=use_entitlement)
    by_gmv = cost_curve(table, "gmv", use_entitlement=use_entitlement).scaled(_decimal(aov))
    points = sorted(set(by_count.xs) | set(by_gmv.xs))
    gaps = [by_count.at(x) - by_gmv.at(x) for x in points]  # > 0: the GMV model is cheaper
    crossings, signs = _sign_changes(points, gaps, by_count.slope - by_gmv.slope)
    cheaper_below: LicenseModel | None = None
    if signs:
        cheaper_below = "gmv" if signs[0] > 0 else "order_summary"
    if crossings:
        reason = f"the cheaper model changes at {len(crossings)} volume(s)"
    elif cheaper_below is None:
        reason = "the two models cost the same at every volume"
    else:
        other = "gmv" if cheaper_below == "order_summary" else "order_summary"
        reason = (
            f"the {cheaper_below} model never costs more than the {other} model at an average "
            f"order value of {aov:g} cents"
        )
    counts = tuple(float(x) for x in crossings)
    return BreakEven(
        average_order_value_cents=aov,
        order_summaries=counts[0] if counts else None,
        gmv_cents=float(crossings[0] * _decimal(aov)) if crossings else None,
        crossings=counts,
        cheaper_below=cheaper_below,
        reason=reason,
    )


def _sign_changes(
    points: list[Fraction], gaps: list[Fraction], slope: Fraction
) -> tuple[list[Fraction], list[int]]:
    """Where a piecewise-linear function (``gaps`` at ``points``, ``slope`` beyond) changes sign,
    and the sequence of its nonzero signs."""
    crossings: list[Fraction] = []
    signs: list[int] = []
    last: tuple[Fraction, Fraction] | None = None  # the last point where the gap was nonzero
    zeros_from: Fraction | None = None  # the first of the points since then where it was zero
    for x, gap in zip(points, gaps, strict=True):
        sign = (gap > 0) - (gap < 0)
        if sign == 0:
            zeros_from = x if zeros_from is None else zeros_from
            continue
        if signs and sign != signs[-1] and last is not None:
            x0, g0 = last
            crossings.append(
                zeros_from if zeros_from is not None else x0 + g0 * (x - x0) / (g0 - gap)
            )
        if not signs or sign != signs[-1]:
            signs.append(sign)
        last, zeros_from = (x, gap), None
    x, gap = points[-1], gaps[-1]
    beyond = (slope > 0) - (slope < 0) or (gap > 0) - (gap < 0)
    if beyond and signs and beyond != signs[-1]:
        crossings.append(zeros_from if zeros_from is not None else x - gap / slope)
    if beyond and (not signs or beyond != signs[-1]):
        signs.append(beyond)
    return crossings, signs
