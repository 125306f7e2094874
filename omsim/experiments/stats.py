"""Statistics for simulation experiments: confidence intervals, paired comparisons, run counts.

Pure functions on numbers and tidy tables; nothing here runs the model. A replication is one
independent run of a scenario (its own random seed) and a KPI value is one number per
replication, in the KPI's own unit (hours, cents, fractions): every mean, standard deviation,
half-width and difference below is in that unit, except where a value is called *relative*
(a fraction of the mean) or is a p-value (a probability).

Failed replications are expected to leave NaN (or ``None``) in their KPI columns: such values
are dropped, never counted as zero, and ``n`` says how many values were used.

Intervals are Student-t intervals on independent replications, the classical method for
terminating simulations; comparisons of variants run on common random numbers (the same seeds)
are paired on the replication, so the seed-to-seed noise shared by both cancels out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = [
    "CONFIDENCE",
    "CORRECTIONS",
    "Interval",
    "bonferroni",
    "holm",
    "independent_differences",
    "paired_differences",
    "precision_report",
    "replications_needed",
    "summarize",
    "t_interval",
]


def _scipy_stats() -> Any:
    """scipy.stats, imported on first use: it is most of the import time of a replication's
    worker process, which never needs it (a worker runs the model and its KPIs)."""
    from scipy import stats

    return stats


CONFIDENCE = 0.95
"""Default two-sided confidence level of intervals (a probability)."""

SUMMARY_COLUMNS = [
    "kpi",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "half_width",
    "relative_half_width",
]

DIFFERENCE_COLUMNS = [
    "variant",
    "kpi",
    "n_pairs",
    "baseline_mean",
    "variant_mean",
    "difference",
    "sd",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "significant",
    "correction",
]

INDEPENDENT_COLUMNS = [
    "variant",
    "kpi",
    "n_baseline",
    "n_variant",
    "baseline_mean",
    "variant_mean",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "significant",
    "correction",
]


class Interval(NamedTuple):
    """A Student-t confidence interval for a mean, all values in the unit of the data.

    Attributes
    ----------
    n : int
        Number of finite values used (NaN, ``None`` and infinities dropped).
    mean : float
        Sample mean; NaN when ``n == 0``.
    sd : float
        Sample standard deviation (``ddof=1``); NaN when ``n < 2``.
    half_width : float
        ``t_{n-1, (1+confidence)/2} * sd / sqrt(n)``; NaN when ``n < 2``, exactly 0.0 when
        every value is equal.
    low : float
        ``mean - half_width``.
    high : float
        ``mean + half_width``.
    """

    n: int
    mean: float
    sd: float
    half_width: float
    low: float
    high: float


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def _floats(values: ArrayLike | pd.Series) -> np.ndarray:
    """Values as a 1-D float array, anything that is not a number as NaN.

    Numeric and boolean data convert directly; object data (numbers mixed with ``None``)
    number by number; strings, dates and categories are not KPI values and come out all NaN.
    """
    if isinstance(values, pd.Series):
        series = values
    else:
        series = pd.Series(np.ravel(np.asarray(values, dtype=object)), dtype=object)
        series = series.infer_objects()
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    if series.dtype == object:
        numbers = pd.to_numeric(series, errors="coerce")
        return np.asarray(numbers.to_numpy(dtype=float, na_value=np.nan), dtype=float)
    return np.full(len(series), np.nan)


def _finite(values: ArrayLike | pd.Series) -> np.ndarray:
    """The finite values, in order (failed replications' NaN dropped)."""
    floats = _floats(values)
    return floats[np.isfinite(floats)]


def _t_quantile(confidence: float, n: int) -> float:
    """The two-sided Student-t critical value for ``n`` values (``n - 1`` degrees of freedom)."""
    return float(_scipy_stats().t.ppf((1.0 + confidence) / 2.0, n - 1))


def _mean_and_sd(finite: np.ndarray) -> tuple[float, float]:
    """Mean and sample sd; the sd is exactly 0.0 when every value is equal (no rounding noise)."""
    if len(finite) == 0:
        return math.nan, math.nan
    if np.all(finite == finite[0]):
        return float(finite[0]), (0.0 if len(finite) > 1 else math.nan)
    return float(np.mean(finite)), float(np.std(finite, ddof=1))


def t_interval(values: ArrayLike, confidence: float = CONFIDENCE) -> Interval:
    """Student-t confidence interval for the mean of independent replications.

    Parameters
    ----------
    values : array_like
        One KPI value per replication, in the KPI's unit. NaN and ``None`` (failed
        replications) are dropped.
    confidence : float
        Two-sided confidence level, in (0, 1).

    Returns
    -------
    Interval
        ``n``, mean, sd and the interval ``mean ± half_width``, in the unit of ``values``.
        With ``n == 0`` every figure is NaN; with ``n == 1`` only the mean is known.

    Examples
    --------
    >>> t_interval([2.0, 2.0, None]).half_width
    0.0
    """
    _check_confidence(confidence)
    finite = _finite(values)
    n = len(finite)
    mean, sd = _mean_and_sd(finite)
    if n < 2:
        return Interval(n, mean, sd, math.nan, math.nan, math.nan)
    half_width = 0.0 if sd == 0.0 else _t_quantile(confidence, n) * sd / math.sqrt(n)
    return Interval(n, mean, sd, half_width, mean - half_width, mean + half_width)


def _relative(half_width: float, mean: float) -> float:
    """``half_width / |mean|``, a fraction; NaN when the mean is 0 or unknown."""
    if not math.isfinite(mean) or mean == 0.0:
        return math.nan
    return half_width / abs(mean)


def _check_columns(frame: pd.DataFrame, columns: Sequence[Hashable]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(
            f"columns {missing!r} are not in the frame; its columns are {list(frame.columns)!r}"
        )


def _groups(frame: pd.DataFrame, by: list[Hashable]) -> list[tuple[tuple[Any, ...], pd.DataFrame]]:
    """``(group values, rows)`` in order of first appearance; one group of all rows if no ``by``."""
    if not by:
        return [((), frame)]
    grouped = frame.groupby(by, sort=False, dropna=False)
    return [(key if isinstance(key, tuple) else (key,), rows) for key, rows in grouped]


def summarize(
    frame: pd.DataFrame,
    kpis: Sequence[str],
    by: Sequence[str] = (),
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Mean and t confidence interval of each KPI, per group, as a tidy table.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per replication, a column per KPI (in its own unit) and the ``by`` columns.
    kpis : sequence of str
        The KPI columns to summarize, in the order wanted; other columns are ignored.
    by : sequence of str
        Grouping columns (e.g. ``["variant"]``); none summarizes the whole frame.
    confidence : float
        Two-sided confidence level, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per (group, KPI) with columns ``[*by, "kpi", "n", "mean", "sd", "ci_low",
        "ci_high", "half_width", "relative_half_width"]``: groups in order of first appearance,
        KPIs in the given order. Figures are in the KPI's unit except ``n`` (replications used)
        and ``relative_half_width`` (``half_width / |mean|``, a fraction; NaN for a zero mean).
        A non-numeric or all-NaN KPI column gives ``n == 0`` and NaN figures.

    Raises
    ------
    ValueError
        If a KPI or ``by`` column is not in ``frame`` (a misspelt name would otherwise go
        unnoticed).
    """
    _check_confidence(confidence)
    keys: list[Hashable] = list(by)
    _check_columns(frame, [*keys, *kpis])
    rows = []
    for values, group in _groups(frame, keys):
        for kpi in kpis:
            interval = t_interval(group[kpi], confidence)
            rows.append(
                [
                    *values,
                    kpi,
                    interval.n,
                    interval.mean,
                    interval.sd,
                    interval.low,
                    interval.high,
                    interval.half_width,
                    _relative(interval.half_width, interval.mean),
                ]
            )
    return pd.DataFrame(rows, columns=[*keys, *SUMMARY_COLUMNS])


def _p_array(p_values: Sequence[float]) -> np.ndarray:
    """P-values as floats; NaN allowed, anything else outside [0, 1] refused."""
    p = np.asarray(p_values, dtype=float).ravel()
    known = p[~np.isnan(p)]
    if np.any((known < 0.0) | (known > 1.0)):
        raise ValueError(f"p-values must be in [0, 1] (or NaN), got {list(p_values)!r}")
    return p


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni step-down adjusted p-values (family-wise error rate control).

    Parameters
    ----------
    p_values : sequence of float
        Unadjusted p-values (probabilities); NaN marks a test that could not be run.

    Returns
    -------
    list of float
        Adjusted p-values in the given order, monotone in the ranks of ``p_values`` and capped
        at 1. NaN stays NaN and does not count in the number of tests ``m``.

    Examples
    --------
    >>> [round(p, 4) for p in holm([0.01, 0.04, 0.03, 0.005])]
    [0.03, 0.06, 0.06, 0.02]
    """
    p = _p_array(p_values)
    adjusted = np.full(len(p), np.nan)
    known = np.flatnonzero(~np.isnan(p))
    order = known[np.argsort(p[known], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return [float(value) for value in adjusted]


def bonferroni(p_values: Sequence[float]) -> list[float]:
    """Bonferroni adjusted p-values, ``min(1, p * m)``.

    Parameters
    ----------
    p_values : sequence of float
        Unadjusted p-values (probabilities); NaN marks a test that could not be run.

    Returns
    -------
    list of float
        Adjusted p-values in the given order; NaN stays NaN and does not count in ``m``.

    Examples
    --------
    >>> bonferroni([0.01, float("nan"), 0.6])
    [0.02, nan, 1.0]
    """
    p = _p_array(p_values)
    m = int(np.count_nonzero(~np.isnan(p)))
    return [float(min(1.0, value * m)) if not math.isnan(value) else math.nan for value in p]


CORRECTIONS: dict[str, Callable[[Sequence[float]], list[float]]] = {
    "holm": holm,
    "bonferroni": bonferroni,
}
"""Multiple-comparison corrections by name, for :func:`paired_differences`."""


def _check_pairing(frame: pd.DataFrame, variant_column: str, pair_column: str) -> None:
    if frame[pair_column].isna().any():
        raise ValueError(f"column {pair_column!r} has missing values, so rows cannot be paired")
    repeated = frame[frame.duplicated([variant_column, pair_column], keep=False)]
    if len(repeated):
        variant = repeated[variant_column].tolist()[0]
        pair = repeated[pair_column].tolist()[0]
        raise ValueError(
            f"{pair_column!r} value {pair!r} appears more than once for {variant_column} "
            f"{variant!r}; each {pair_column} must appear at most once per {variant_column} "
            f"to pair rows"
        )


def _check_choices(
    frame: pd.DataFrame, variant_column: str, baseline: str, correction: str, alpha: float
) -> list[Any]:
    """The variants in order of first appearance, after checking the named choices."""
    if correction not in CORRECTIONS:
        raise ValueError(
            f"unknown correction {correction!r}; choose one of {sorted(CORRECTIONS)!r}"
        )
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if frame[variant_column].isna().any():
        raise ValueError(f"column {variant_column!r} has missing values")
    variants: list[Any] = frame[variant_column].drop_duplicates().tolist()
    if baseline not in variants:
        raise ValueError(
            f"baseline {baseline!r} is not among the values of {variant_column!r}: {variants!r}"
        )
    return variants


def _paired_p_value(differences: np.ndarray) -> float:
    """Two-sided paired t-test p-value of ``mean(differences) == 0``.

    With every difference equal the t statistic is undefined: 1.0 when they are all 0 (no
    difference at all), 0.0 otherwise (the same nonzero difference in every pair).
    """
    if len(differences) < 2:
        return math.nan
    if np.all(differences == differences[0]):
        return 1.0 if differences[0] == 0.0 else 0.0
    return float(_scipy_stats().ttest_1samp(differences, 0.0).pvalue)


def _pairs(baseline: pd.DataFrame, variant: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Baseline and variant values of ``kpi`` side by side, matched on the index (the pair key).

    Pairs with a missing or non-numeric value on either side are dropped.
    """
    both = pd.concat(
        [
            pd.Series(_floats(baseline[kpi]), index=baseline.index, name="baseline"),
            pd.Series(_floats(variant[kpi]), index=variant.index, name="variant"),
        ],
        axis=1,
        join="inner",
    )
    return both[np.isfinite(both["baseline"]) & np.isfinite(both["variant"])]


def _compare(
    baseline: pd.DataFrame, variant: pd.DataFrame, kpi: str, confidence: float
) -> dict[str, Any]:
    """The paired comparison of one KPI between one variant and the baseline."""
    pairs = _pairs(baseline, variant, kpi)
    differences = (pairs["variant"] - pairs["baseline"]).to_numpy(dtype=float)
    interval = t_interval(differences, confidence)
    return {
        "kpi": kpi,
        "n_pairs": interval.n,
        "baseline_mean": float(pairs["baseline"].mean()) if len(pairs) else math.nan,
        "variant_mean": float(pairs["variant"].mean()) if len(pairs) else math.nan,
        "difference": interval.mean,
        "sd": interval.sd,
        "ci_low": interval.low,
        "ci_high": interval.high,
        "p_value": _paired_p_value(differences),
    }


def _adjust(table: pd.DataFrame, correction: str, alpha: float) -> pd.DataFrame:
    """Adjusted p-values across the variants, one family per KPI, and the significance flag."""
    table["p_adjusted"] = math.nan
    for _, rows in table.groupby("kpi", sort=False):
        table.loc[rows.index, "p_adjusted"] = CORRECTIONS[correction](list(rows["p_value"]))
    table["significant"] = (table["p_adjusted"] < alpha).astype(bool)
    table["correction"] = correction
    return table


def paired_differences(
    frame: pd.DataFrame,
    kpis: Sequence[str],
    *,
    baseline: str,
    variant_column: str = "variant",
    pair_column: str = "replication",
    correction: str = "holm",
    alpha: float = 0.05,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Each variant against the baseline, KPI by KPI, paired on the replication.

    For common random numbers: replication ``r`` of every variant uses the same seed, so the
    difference ``variant - baseline`` within a replication removes the noise both share.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per (variant, replication), a column per KPI in its own unit.
    kpis : sequence of str
        The KPI columns to compare, in the order wanted.
    baseline : str
        The value of ``variant_column`` every other variant is compared with.
    variant_column : str
        The column naming the variant of each row.
    pair_column : str
        The column pairing rows across variants (the replication number or seed).
    correction : str
        Multiple-comparison correction, a key of :data:`CORRECTIONS`, applied across the
        variants for each KPI separately.
    alpha : float
        Family-wise significance level, in (0, 1).
    confidence : float
        Two-sided confidence level of the interval of the mean difference, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per (non-baseline variant, KPI), variants in order of first appearance and KPIs
        in the given order, with columns ``variant``, ``kpi``, ``n_pairs`` (pairs with both
        values finite), ``baseline_mean`` and ``variant_mean`` (over those pairs),
        ``difference`` (mean of ``variant - baseline``), ``sd`` (of the differences),
        ``ci_low``, ``ci_high`` (t interval of the mean difference), ``p_value`` (two-sided
        paired t test; NaN with fewer than 2 pairs), ``p_adjusted``, ``significant``
        (``p_adjusted < alpha``, False when NaN) and ``correction`` (the method's name).
        Means, differences, sd and interval are in the KPI's unit.

    Raises
    ------
    ValueError
        If ``baseline`` is not a value of ``variant_column``, ``correction`` is unknown, a
        column is missing, or a ``pair_column`` value is missing or repeated within a variant.
    """
    _check_confidence(confidence)
    _check_columns(frame, [variant_column, pair_column, *kpis])
    _check_pairing(frame, variant_column, pair_column)
    variants = _check_choices(frame, variant_column, baseline, correction, alpha)
    by_variant = {
        name: rows.set_index(pair_column)
        for name, rows in frame.groupby(variant_column, sort=False, dropna=False)
    }
    rows = [
        {"variant": variant, **_compare(by_variant[baseline], by_variant[variant], kpi, confidence)}
        for variant in variants
        if variant != baseline
        for kpi in kpis
    ]
    table = pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS[:-3])
    return _adjust(table, correction, alpha)[DIFFERENCE_COLUMNS]


def _welch(baseline: np.ndarray, variant: np.ndarray, confidence: float) -> dict[str, float]:
    """Welch's difference of means ``variant - baseline``: standard error, interval, p-value.

    Needs 2 values on each side (NaN otherwise). With both sides constant the standard error
    is 0: the interval is the difference itself and ``p`` is 1.0 for a zero difference, 0.0
    otherwise, as for equal paired differences.
    """
    difference = (
        float(np.mean(variant) - np.mean(baseline)) if len(baseline) and len(variant) else math.nan
    )
    unknown = {"se": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan}
    if len(baseline) < 2 or len(variant) < 2:
        return {"difference": difference, **unknown}
    shares = [_mean_and_sd(x)[1] ** 2 / len(x) for x in (baseline, variant)]
    se = math.sqrt(sum(shares))
    if se == 0.0:
        p = 1.0 if difference == 0.0 else 0.0
        return {
            "difference": difference,
            "se": 0.0,
            "ci_low": difference,
            "ci_high": difference,
            "p_value": p,
        }
    df = se**4 / sum(
        share**2 / (len(x) - 1) for share, x in zip(shares, (baseline, variant), strict=True)
    )
    half_width = float(_scipy_stats().t.ppf((1.0 + confidence) / 2.0, df)) * se
    # Welch's t test from its statistic (scipy's ttest_ind gives the same p-value but warns of
    # "catastrophic cancellation" when one side is constant, which is common for a KPI)
    p = float(2.0 * _scipy_stats().t.sf(abs(difference) / se, df))
    return {
        "difference": difference,
        "se": se,
        "ci_low": difference - half_width,
        "ci_high": difference + half_width,
        "p_value": p,
    }


def _compare_independent(
    baseline: pd.DataFrame, variant: pd.DataFrame, kpi: str, confidence: float
) -> dict[str, Any]:
    """The Welch comparison of one KPI between one variant and the baseline."""
    b, v = _finite(baseline[kpi]), _finite(variant[kpi])
    return {
        "kpi": kpi,
        "n_baseline": len(b),
        "n_variant": len(v),
        "baseline_mean": float(np.mean(b)) if len(b) else math.nan,
        "variant_mean": float(np.mean(v)) if len(v) else math.nan,
        **_welch(b, v, confidence),
    }


def independent_differences(
    frame: pd.DataFrame,
    kpis: Sequence[str],
    *,
    baseline: str,
    variant_column: str = "variant",
    pair_column: str = "replication",
    correction: str = "holm",
    alpha: float = 0.05,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Each variant against the baseline, KPI by KPI, as independent samples (Welch's t).

    For variants run on independent seeds, where no replication of one matches a replication
    of another. The same arguments as :func:`paired_differences`, so either can be called.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per (variant, replication), a column per KPI in its own unit.
    kpis : sequence of str
        The KPI columns to compare, in the order wanted.
    baseline : str
        The value of ``variant_column`` every other variant is compared with.
    variant_column : str
        The column naming the variant of each row.
    pair_column : str
        Not used (nothing is paired); accepted for the signature of `paired_differences`.
    correction : str
        Multiple-comparison correction, a key of :data:`CORRECTIONS`, applied across the
        variants for each KPI separately.
    alpha : float
        Family-wise significance level, in (0, 1).
    confidence : float
        Two-sided confidence level of the interval of the difference of means, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per (non-baseline variant, KPI), variants in order of first appearance and KPIs
        in the given order, with columns ``variant``, ``kpi``, ``n_baseline`` and ``n_variant``
        (finite values), ``baseline_mean``, ``variant_mean``, ``difference`` (``variant_mean -
        baseline_mean``), ``se`` (its Welch standard error), ``ci_low``, ``ci_high`` (Welch t
        interval, Welch-Satterthwaite degrees of freedom), ``p_value`` (two-sided Welch t test;
        NaN with fewer than 2 values on a side), ``p_adjusted``, ``significant`` and
        ``correction``, as in `paired_differences`. Means, differences, se and interval are in
        the KPI's unit.

    Raises
    ------
    ValueError
        If ``baseline`` is not a value of ``variant_column``, ``correction`` is unknown or a
        column is missing.
    """
    del pair_column  # nothing to pair
    _check_confidence(confidence)
    _check_columns(frame, [variant_column, *kpis])
    variants = _check_choices(frame, variant_column, baseline, correction, alpha)
    by_variant = dict(list(frame.groupby(variant_column, sort=False)))
    rows = [
        {
            "variant": variant,
            **_compare_independent(by_variant[baseline], by_variant[variant], kpi, confidence),
        }
        for variant in variants
        if variant != baseline
        for kpi in kpis
    ]
    table = pd.DataFrame(rows, columns=INDEPENDENT_COLUMNS[:-3])
    return _adjust(table, correction, alpha)[INDEPENDENT_COLUMNS]


def _percent(fraction: float) -> str:
    """A fraction as a percentage: one decimal, or two significant digits below 0.1 %."""
    if abs(fraction) < 0.001:
        return f"{fraction * 100:.2g}%"
    return f"{fraction * 100:,.1f}%"


def _half_width_fits(n: int, sd: float, target: float, confidence: float) -> bool:
    """Whether ``n`` replications give ``t_{n-1} * sd / sqrt(n) <= target``."""
    return _t_quantile(confidence, n) * sd / math.sqrt(n) <= target


def _smallest_n(sd: float, target: float, confidence: float, max_n: int) -> int | None:
    """The smallest ``n`` in [2, max_n] whose half-width fits ``target``; None if none does.

    The half-width decreases strictly with ``n`` (both the t quantile and ``1/sqrt(n)`` do), so
    a bisection finds the exact smallest ``n``.
    """
    if not _half_width_fits(max_n, sd, target, confidence):
        return None
    low, high = 2, max_n
    while low < high:
        middle = (low + high) // 2
        if _half_width_fits(middle, sd, target, confidence):
            high = middle
        else:
            low = middle + 1
    return low


def _check_precision_target(relative_half_width: float, max_n: int) -> None:
    if not 0.0 < relative_half_width < math.inf:
        raise ValueError(
            f"relative_half_width must be a positive fraction of the mean, got "
            f"{relative_half_width!r}"
        )
    if max_n < 2:
        raise ValueError(f"max_n must be at least 2, got {max_n!r}")


def _zero_mean_message() -> str:
    return (
        "the pilot mean is 0, so a half-width relative to the mean is undefined; "
        "an absolute half-width target is not supported"
    )


def replications_needed(
    values: ArrayLike,
    relative_half_width: float,
    confidence: float = CONFIDENCE,
    max_n: int = 100_000,
) -> int:
    """Replications needed for a t interval of a given relative half-width.

    Treats the pilot's sample sd ``s`` as the true one and returns the smallest ``n >= 2`` with
    ``t_{n-1, (1+confidence)/2} * s / sqrt(n) <= relative_half_width * |mean|``: the
    sequential-free estimate of how many replications a KPI needs. Being based on a pilot
    estimate of ``s``, it is a guide, not a guarantee.

    Parameters
    ----------
    values : array_like
        KPI values of the pilot replications; NaN and ``None`` are dropped.
    relative_half_width : float
        Wanted half-width as a fraction of the mean (0.02 for ±2 %), in (0, inf).
    confidence : float
        Two-sided confidence level, in (0, 1).
    max_n : int
        The largest answer accepted.

    Returns
    -------
    int
        Number of replications, in total (the pilot's included), at least 2; 2 when every
        pilot value is equal.

    Raises
    ------
    ValueError
        With fewer than 2 finite pilot values, ``relative_half_width`` outside (0, inf), a
        pilot mean of 0 (a relative precision is then undefined), or an answer above ``max_n``.

    Examples
    --------
    >>> replications_needed([9.0, 10.0, 11.0], relative_half_width=0.05)
    18
    """
    _check_confidence(confidence)
    _check_precision_target(relative_half_width, max_n)
    interval = t_interval(values, confidence)
    if interval.n < 2:
        raise ValueError(f"a pilot of at least 2 finite values is needed, got {interval.n}")
    if interval.mean == 0.0:
        raise ValueError(_zero_mean_message())
    if interval.sd == 0.0:
        return 2
    target = relative_half_width * abs(interval.mean)
    n = _smallest_n(interval.sd, target, confidence, max_n)
    if n is None:
        raise ValueError(
            f"more than max_n={max_n:,} replications would be needed for a half-width of "
            f"{_percent(relative_half_width)} of the mean"
        )
    return n


def _number(value: float) -> str:
    """A figure for a sentence: three significant digits, thousands separated when large."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def precision_report(
    values: ArrayLike,
    kpi: str,
    relative_half_width: float,
    confidence: float = CONFIDENCE,
) -> str:
    """One readable line on a pilot's precision and the replications a target needs.

    Parameters
    ----------
    values : array_like
        KPI values of the pilot replications; NaN and ``None`` are dropped.
    kpi : str
        The KPI's name, to start the line.
    relative_half_width : float
        Wanted half-width as a fraction of the mean, in (0, inf).
    confidence : float
        Two-sided confidence level, in (0, 1).

    Returns
    -------
    str
        E.g. ``"mean_hours_to_delivery: pilot of 5 replications, mean 41.2, 95% half-width 3.1
        (7.5% of the mean); for a half-width of 2.0% of the mean, about 70 replications are
        needed"``. A pilot too small, a zero mean or a target beyond reach is said in words
        instead of raising.

    Raises
    ------
    ValueError
        If ``relative_half_width`` or ``confidence`` is out of range.

    Examples
    --------
    >>> precision_report([9.0, 10.0, 11.0], "hours", 0.05)
    'hours: pilot of 3 replications, mean 10, 95% half-width 2.48 (24.8% of the mean); for a half-width of 5.0% of the mean, about 18 replications are needed'
    """
    _check_confidence(confidence)
    max_n = 100_000
    _check_precision_target(relative_half_width, max_n)
    interval = t_interval(values, confidence)
    pilot = f"{kpi}: pilot of {_plural(interval.n, 'replication')}"
    if interval.n < 2:
        return f"{pilot}, too few to estimate a half-width (at least 2 are needed)"
    if interval.mean == 0.0:
        return f"{pilot}, mean 0: {_zero_mean_message()}"
    level = f"{confidence * 100:g}%"
    relative = _relative(interval.half_width, interval.mean)
    measured = (
        f"{pilot}, mean {_number(interval.mean)}, {level} half-width "
        f"{_number(interval.half_width)} ({_percent(relative)} of the mean)"
    )
    wanted = f"for a half-width of {_percent(relative_half_width)} of the mean"
    if interval.sd == 0.0:
        return f"{measured}; {wanted}, 2 replications are enough (every value is equal)"
    n = _smallest_n(interval.sd, relative_half_width * abs(interval.mean), confidence, max_n)
    if n is None:
        return f"{measured}; {wanted}, more than {max_n:,} replications would be needed"
    return f"{measured}; {wanted}, about {_plural(n, 'replication')} are needed"
