"""`omsim.experiments.stats`: intervals, summaries, corrections, paired comparisons, run counts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from omsim.experiments.stats import (
    CORRECTIONS,
    Interval,
    bonferroni,
    holm,
    independent_differences,
    paired_differences,
    precision_report,
    replications_needed,
    summarize,
    t_interval,
)

# Pilot samples: a few finite values of a plausible KPI, not all equal.
pilots = st.lists(
    st.floats(min_value=1.0, max_value=1000.0, allow_nan=False), min_size=2, max_size=12
).filter(lambda values: len(set(values)) > 1)


def _fits(values: list[float], n: int, relative: float, confidence: float = 0.95) -> bool:
    """The criterion of `replications_needed`, computed here from scratch."""
    sd = float(np.std(values, ddof=1))
    quantile = scipy_stats.t.ppf((1 + confidence) / 2, n - 1)
    return bool(quantile * sd / math.sqrt(n) <= relative * abs(float(np.mean(values))))


def _experiment() -> pd.DataFrame:
    """Three variants of 4 replications; B adds 1 plus noise, C is the baseline plus exactly 0."""
    base = [10.0, 12.0, 11.0, 15.0]
    rows = []
    for replication, value in enumerate(base):
        rows.append({"variant": "A", "replication": replication, "hours": value})
        shift = [1.1, 0.9, 1.0, 1.2][replication]
        rows.append({"variant": "B", "replication": replication, "hours": value + shift})
        rows.append({"variant": "C", "replication": replication, "hours": value})
    return pd.DataFrame(rows)


# --- t_interval -------------------------------------------------------------------------------


def test_t_interval_matches_scipy() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    low, high = scipy_stats.t.interval(0.95, 4, loc=3.0, scale=scipy_stats.sem(values))
    interval = t_interval(values)
    assert interval.n == 5
    assert interval.mean == pytest.approx(3.0)
    assert interval.sd == pytest.approx(math.sqrt(2.5))
    assert interval.low == pytest.approx(low)
    assert interval.high == pytest.approx(high)
    assert interval.half_width == pytest.approx((high - low) / 2)


def test_t_interval_confidence_widens_the_interval() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    narrow, wide = t_interval(values, 0.80), t_interval(values, 0.99)
    assert narrow.half_width < wide.half_width
    low, high = scipy_stats.t.interval(0.99, 4, loc=3.0, scale=scipy_stats.sem(values))
    assert (wide.low, wide.high) == pytest.approx((low, high))


def test_t_interval_drops_nan_and_none() -> None:
    assert t_interval([1.0, None, 2.0, float("nan"), 3.0]) == t_interval([1.0, 2.0, 3.0])
    assert t_interval(pd.Series([1.0, np.nan, 3.0])).n == 2


def test_t_interval_of_no_or_one_value() -> None:
    empty = t_interval([float("nan"), None])
    assert empty.n == 0
    assert all(math.isnan(x) for x in empty[1:])
    single = t_interval([4.0])
    assert (single.n, single.mean) == (1, 4.0)
    assert all(math.isnan(x) for x in single[2:])


def test_t_interval_of_equal_values_has_zero_width() -> None:
    assert t_interval([0.1, 0.1, 0.1]) == Interval(3, 0.1, 0.0, 0.0, 0.1, 0.1)


def test_t_interval_refuses_a_confidence_outside_0_1() -> None:
    with pytest.raises(ValueError, match="confidence"):
        t_interval([1.0, 2.0], confidence=95)


@settings(max_examples=40, deadline=None)
@given(pilots)
def test_t_interval_is_centred_on_the_mean(values: list[float]) -> None:
    interval = t_interval(values)
    assert interval.mean == pytest.approx(float(np.mean(values)))
    assert interval.high - interval.mean == pytest.approx(interval.mean - interval.low)
    assert interval.low < interval.mean < interval.high


# --- summarize --------------------------------------------------------------------------------


def test_summarize_groups_in_order_of_first_appearance_and_kpis_in_given_order() -> None:
    frame = pd.DataFrame(
        {
            "variant": ["z", "a", "z", "a", "z"],
            "hours": [1.0, 10.0, 2.0, 20.0, 3.0],
            "cost": [5.0, 5.0, 7.0, np.nan, 9.0],
            "ignored": [0, 0, 0, 0, 0],
        }
    )
    table = summarize(frame, ["hours", "cost"], by=["variant"])
    assert list(table.columns) == [
        "variant",
        "kpi",
        "n",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "half_width",
        "relative_half_width",
    ]
    assert list(zip(table["variant"], table["kpi"], strict=True)) == [
        ("z", "hours"),
        ("z", "cost"),
        ("a", "hours"),
        ("a", "cost"),
    ]
    z_hours = table.iloc[0]
    expected = t_interval([1.0, 2.0, 3.0])
    assert (z_hours["n"], z_hours["mean"]) == (3, 2.0)
    assert (z_hours["ci_low"], z_hours["ci_high"]) == pytest.approx((expected.low, expected.high))
    assert z_hours["relative_half_width"] == pytest.approx(expected.half_width / 2.0)
    assert table.iloc[3]["n"] == 1  # the NaN cost of "a" dropped


def test_summarize_without_groups_gives_one_row_per_kpi() -> None:
    frame = pd.DataFrame({"hours": [1.0, 2.0, 3.0, 4.0, 5.0], "cost": [-2.0, -2.0, -2.0, -2, -2]})
    table = summarize(frame, ["cost", "hours"])
    assert list(table["kpi"]) == ["cost", "hours"]
    assert table.iloc[0]["relative_half_width"] == 0.0
    negative = summarize(-frame, ["hours"]).iloc[0]
    assert negative["relative_half_width"] == pytest.approx(negative["half_width"] / 3.0)
    assert table.iloc[1]["half_width"] == pytest.approx(t_interval(frame["hours"]).half_width)


def test_summarize_non_numeric_all_nan_and_zero_mean_columns() -> None:
    frame = pd.DataFrame(
        {
            "name": ["a", "b", "c"],
            "failed": [np.nan, np.nan, np.nan],
            "centred": [-1.0, 0.0, 1.0],
            "mixed": pd.Series([1.0, None, 3.0], dtype=object),
        }
    )
    table = summarize(frame, ["name", "failed", "centred", "mixed"]).set_index("kpi")
    assert list(table["n"]) == [0, 0, 3, 2]
    assert table[["mean", "sd", "ci_low"]].loc[["name", "failed"]].isna().all().all()
    assert math.isnan(table.loc["centred", "relative_half_width"])
    assert table.loc["centred", "half_width"] > 0
    assert table.loc["mixed", "mean"] == 2.0


def test_summarize_names_a_missing_column() -> None:
    with pytest.raises(ValueError, match="'hourz'"):
        summarize(pd.DataFrame({"hours": [1.0]}), ["hourz"])


# --- corrections ------------------------------------------------------------------------------


def test_holm_textbook_example() -> None:
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_keeps_nan_out_of_m() -> None:
    adjusted = holm([0.5, float("nan"), 0.2, 0.9])
    assert math.isnan(adjusted[1])
    assert [adjusted[0], adjusted[2], adjusted[3]] == pytest.approx([1.0, 0.6, 1.0])
    assert holm([]) == []


def test_bonferroni_multiplies_by_m_and_caps_at_one() -> None:
    adjusted = bonferroni([0.01, float("nan"), 0.3, 0.02])
    assert math.isnan(adjusted[1])
    assert [adjusted[0], adjusted[2], adjusted[3]] == pytest.approx([0.03, 0.9, 0.06])
    assert bonferroni([0.4, 0.6]) == [0.8, 1.0]


def test_corrections_refuse_p_values_outside_0_1() -> None:
    for correction in CORRECTIONS.values():
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            correction([0.2, 1.5])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=8))
def test_holm_is_monotone_and_between_p_and_bonferroni(p: list[float]) -> None:
    adjusted, upper = holm(p), bonferroni(p)
    for i in range(len(p)):
        assert p[i] <= adjusted[i] + 1e-12
        assert adjusted[i] <= upper[i] + 1e-12
        assert adjusted[i] <= 1.0
        for j in range(len(p)):
            if p[i] < p[j]:
                assert adjusted[i] <= adjusted[j] + 1e-12


# --- paired_differences -----------------------------------------------------------------------


def test_paired_difference_is_the_t_interval_of_the_differences() -> None:
    table = paired_differences(_experiment(), ["hours"], baseline="A")
    assert list(table.columns) == [
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
    assert list(table["variant"]) == ["B", "C"]
    b = table.iloc[0]
    differences = [1.1, 0.9, 1.0, 1.2]
    expected = t_interval(differences)
    assert b["n_pairs"] == 4
    assert b["difference"] == pytest.approx(1.05)
    assert (b["baseline_mean"], b["variant_mean"]) == pytest.approx((12.0, 13.05))
    assert (b["ci_low"], b["ci_high"], b["sd"]) == pytest.approx(
        (expected.low, expected.high, expected.sd)
    )
    assert b["p_value"] == pytest.approx(scipy_stats.ttest_1samp(differences, 0.0).pvalue)


def test_paired_differences_pair_on_the_replication_not_the_row_order() -> None:
    frame = _experiment()
    shuffled = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    order = {v: list(rows["replication"]) for v, rows in shuffled.groupby("variant")}
    assert order["A"] != order["B"] and order["A"] != order["C"]  # rows no longer line up
    expected = paired_differences(frame, ["hours"], baseline="A").set_index("variant")
    got = paired_differences(shuffled, ["hours"], baseline="A").set_index("variant")
    pd.testing.assert_frame_equal(got.loc[expected.index], expected)


def test_paired_differences_significance_and_equal_differences() -> None:
    table = paired_differences(_experiment(), ["hours"], baseline="A").set_index("variant")
    # B: +1.05 h with sd 0.13 over 4 pairs is clearly significant, even after Holm (m = 2).
    assert table.loc["B", "p_adjusted"] == pytest.approx(2 * table.loc["B", "p_value"])
    assert bool(table.loc["B", "significant"])
    # C: every difference is 0, the t test is undefined; p = 1, not significant.
    assert table.loc["C", "p_value"] == 1.0
    assert not table.loc["C", "significant"]
    assert (table.loc["C", "ci_low"], table.loc["C", "ci_high"]) == (0.0, 0.0)
    assert set(table["correction"]) == {"holm"}


def test_paired_differences_the_same_nonzero_difference_everywhere_has_p_zero() -> None:
    frame = _experiment()
    frame.loc[frame["variant"] == "C", "hours"] += 2.0
    c = paired_differences(frame, ["hours"], baseline="A").set_index("variant").loc["C"]
    assert (c["p_value"], c["difference"], c["sd"]) == (0.0, 2.0, 0.0)
    assert bool(c["significant"])


def test_paired_differences_correct_across_variants_per_kpi() -> None:
    frame = _experiment()
    frame["cost"] = frame["hours"] * 100 + frame["replication"] * np.where(
        frame["variant"] == "C", 3.0, 0.0
    )
    holm_table = paired_differences(frame, ["hours", "cost"], baseline="A")
    assert list(zip(holm_table["variant"], holm_table["kpi"], strict=True)) == [
        ("B", "hours"),
        ("B", "cost"),
        ("C", "hours"),
        ("C", "cost"),
    ]
    for kpi, rows in holm_table.groupby("kpi"):
        assert list(rows["p_adjusted"]) == pytest.approx(holm(list(rows["p_value"]))), kpi
    bonf = paired_differences(frame, ["hours", "cost"], baseline="A", correction="bonferroni")
    assert set(bonf["correction"]) == {"bonferroni"}
    assert list(bonf["p_adjusted"]) == pytest.approx([min(1.0, 2 * p) for p in bonf["p_value"]])


def test_paired_differences_strict_alpha_turns_significance_off() -> None:
    table = paired_differences(_experiment(), ["hours"], baseline="A", alpha=1e-9)
    assert not table["significant"].any()


def test_paired_differences_drop_pairs_with_a_nan_and_need_two_pairs() -> None:
    frame = _experiment()
    frame.loc[(frame["variant"] == "A") & (frame["replication"] == 0), "hours"] = np.nan
    frame.loc[(frame["variant"] == "C") & (frame["replication"] > 0), "hours"] = np.nan
    table = paired_differences(frame, ["hours"], baseline="A").set_index("variant")
    assert table.loc["B", "n_pairs"] == 3
    assert table.loc["B", "baseline_mean"] == pytest.approx(38 / 3)  # replication 0 left out
    assert table.loc["C", "n_pairs"] == 0
    assert math.isnan(table.loc["C", "p_value"]) and math.isnan(table.loc["C", "p_adjusted"])
    assert not table.loc["C", "significant"]
    # Holm's m counts only the finite p-value of B.
    assert table.loc["B", "p_adjusted"] == pytest.approx(table.loc["B", "p_value"])


def test_paired_differences_pairs_only_replications_both_sides_have() -> None:
    frame = _experiment()
    frame = frame[~((frame["variant"] == "B") & (frame["replication"] == 3))]
    b = paired_differences(frame, ["hours"], baseline="A").iloc[0]
    assert b["n_pairs"] == 3
    assert b["difference"] == pytest.approx(1.0)


def test_paired_differences_of_the_baseline_alone_is_empty() -> None:
    frame = _experiment()
    table = paired_differences(frame[frame["variant"] == "A"], ["hours"], baseline="A")
    assert table.empty
    assert "p_adjusted" in table.columns


def test_paired_differences_name_the_allowed_baselines() -> None:
    with pytest.raises(ValueError, match=r"'D'.*\['A', 'B', 'C'\]"):
        paired_differences(_experiment(), ["hours"], baseline="D")


def test_paired_differences_name_the_allowed_corrections() -> None:
    with pytest.raises(ValueError, match=r"'fdr'.*\['bonferroni', 'holm'\]"):
        paired_differences(_experiment(), ["hours"], baseline="A", correction="fdr")


def test_paired_differences_refuse_a_repeated_replication() -> None:
    frame = _experiment()
    frame.loc[(frame["variant"] == "B") & (frame["replication"] == 2), "replication"] = 1
    with pytest.raises(ValueError, match=r"'replication' value 1 .* variant 'B'"):
        paired_differences(frame, ["hours"], baseline="A")


def test_paired_differences_use_the_named_columns() -> None:
    frame = _experiment().rename(columns={"variant": "arm", "replication": "seed"})
    table = paired_differences(
        frame, ["hours"], baseline="C", variant_column="arm", pair_column="seed"
    )
    assert list(table["variant"]) == ["A", "B"]
    assert list(table["difference"]) == pytest.approx([0.0, 1.05])


# --- independent_differences -----------------------------------------------------------------


def test_independent_difference_is_welch() -> None:
    frame = pd.DataFrame(
        {
            "variant": ["A"] * 5 + ["B"] * 3,
            "replication": [0, 1, 2, 3, 4, 0, 1, 2],
            "hours": [10.0, 12.0, 11.0, 15.0, np.nan, 14.0, 19.0, 13.0],
        }
    )
    b = independent_differences(frame, ["hours"], baseline="A").iloc[0]
    welch = scipy_stats.ttest_ind([14.0, 19.0, 13.0], [10.0, 12.0, 11.0, 15.0], equal_var=False)
    low, high = welch.confidence_interval(0.95)
    assert (b["n_baseline"], b["n_variant"]) == (4, 3)
    assert (b["baseline_mean"], b["variant_mean"], b["difference"]) == pytest.approx(
        (12.0, 46 / 3, 46 / 3 - 12.0)
    )
    assert (b["ci_low"], b["ci_high"]) == pytest.approx((low, high))
    assert b["p_value"] == pytest.approx(welch.pvalue)
    assert b["p_adjusted"] == pytest.approx(welch.pvalue)  # m = 1
    assert b["correction"] == "holm"


def test_independent_differences_ignore_the_pairing() -> None:
    frame = _experiment()
    frame.loc[frame["variant"] == "B", "replication"] = 0  # repeated: fine, nothing is paired
    table = independent_differences(frame, ["hours"], baseline="A").set_index("variant")
    assert list(table.index) == ["B", "C"]
    assert table.loc["B", "difference"] == pytest.approx(1.05)
    # Unpaired, B's shift of 1.05 h is lost in the seed-to-seed spread (sd 2.2 h).
    assert not table.loc["B", "significant"]
    assert table.loc["C", "p_value"] == pytest.approx(1.0)
    assert table.loc["B", "p_adjusted"] == pytest.approx(min(1.0, 2 * table.loc["B", "p_value"]))


def test_independent_differences_of_constant_or_tiny_samples() -> None:
    frame = pd.DataFrame(
        {
            "variant": ["A", "A", "B", "B", "C", "D", "D"],
            "hours": [0.1, 0.1, 0.3, 0.3, 5.0, 0.1, 0.1],
        }
    )
    table = independent_differences(frame, ["hours"], baseline="A").set_index("variant")
    assert (table.loc["B", "se"], table.loc["B", "p_value"]) == (0.0, 0.0)
    assert table.loc["B", "ci_low"] == table.loc["B", "ci_high"] == table.loc["B", "difference"]
    assert math.isnan(table.loc["C", "p_value"]) and not table.loc["C", "significant"]
    assert table.loc["C", "difference"] == pytest.approx(4.9)
    assert table.loc["D", "p_value"] == 1.0


def test_independent_differences_name_the_allowed_values() -> None:
    with pytest.raises(ValueError, match=r"\['A', 'B', 'C'\]"):
        independent_differences(_experiment(), ["hours"], baseline="Z")
    with pytest.raises(ValueError, match=r"\['bonferroni', 'holm'\]"):
        independent_differences(_experiment(), ["hours"], baseline="A", correction="none")


# --- replications_needed and precision_report -------------------------------------------------


def test_replications_needed_hand_computed() -> None:
    # mean 10, sd 1, target 0.5: t_16 / sqrt(17) = 0.514 > 0.5 >= t_17 / sqrt(18) = 0.497
    assert replications_needed([9.0, 10.0, 11.0], relative_half_width=0.05) == 18
    assert replications_needed([9.0, None, 10.0, 11.0], relative_half_width=0.05) == 18
    assert replications_needed([9.0, 10.0, 11.0], 0.05, confidence=0.99) > 18


def test_replications_needed_of_equal_values_or_loose_target_is_two() -> None:
    assert replications_needed([5.0, 5.0, 5.0], 0.01) == 2
    # t_1 * 1 / sqrt(2) = 8.98 <= 0.9 * 10
    assert replications_needed([9.0, 10.0, 11.0], 0.9) == 2


@pytest.mark.parametrize(
    ("values", "relative", "message"),
    [
        ([3.0], 0.05, "at least 2"),
        ([3.0, float("nan")], 0.05, "at least 2"),
        ([1.0, 2.0], 0.0, "relative_half_width"),
        ([1.0, 2.0], -0.1, "relative_half_width"),
        ([1.0, 2.0], math.inf, "relative_half_width"),
        ([1.0, 2.0], math.nan, "relative_half_width"),
        ([-1.0, 1.0], 0.05, "mean is 0.*absolute"),
        ([9.0, 10.0, 11.0], 1e-6, "max_n"),
    ],
)
def test_replications_needed_refusals(values: list[float], relative: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replications_needed(values, relative)


def test_replications_needed_respects_max_n() -> None:
    assert replications_needed([9.0, 10.0, 11.0], 0.05, max_n=18) == 18
    with pytest.raises(ValueError, match="max_n=17"):
        replications_needed([9.0, 10.0, 11.0], 0.05, max_n=17)


@settings(max_examples=60, deadline=None)
@given(pilots, st.floats(min_value=0.002, max_value=0.5))
def test_replications_needed_is_the_smallest_n_that_fits(
    values: list[float], relative: float
) -> None:
    n = replications_needed(values, relative, max_n=10**7)
    assert n >= 2
    assert _fits(values, n, relative)
    if n > 2:
        assert not _fits(values, n - 1, relative)


@settings(max_examples=30, deadline=None)
@given(pilots, st.floats(min_value=0.005, max_value=0.3), st.floats(min_value=1.01, max_value=4))
def test_replications_needed_grows_as_the_target_tightens(
    values: list[float], relative: float, factor: float
) -> None:
    tight = replications_needed(values, relative / factor, max_n=10**7)
    assert tight >= replications_needed(values, relative, max_n=10**7)


def test_precision_report_reads_as_one_line() -> None:
    line = precision_report([9.0, 10.0, 11.0], "mean_hours_to_delivery", 0.05)
    assert line == (
        "mean_hours_to_delivery: pilot of 3 replications, mean 10, 95% half-width 2.48 "
        "(24.8% of the mean); for a half-width of 5.0% of the mean, about 18 replications "
        "are needed"
    )
    assert "99% half-width" in precision_report([9.0, 10.0, 11.0], "k", 0.05, confidence=0.99)


def test_precision_report_says_what_cannot_be_estimated() -> None:
    assert "too few" in precision_report([3.0, None], "k", 0.05)
    assert "undefined" in precision_report([-1.0, 1.0], "k", 0.05)
    assert "more than 100,000" in precision_report([1.0, 1000.0], "k", 1e-4)
    assert "2 replications are enough" in precision_report([4.0, 4.0], "k", 0.05)
    assert "\n" not in precision_report([1.0, 2.0, 4.0], "k", 0.05)
    with pytest.raises(ValueError, match="relative_half_width"):
        precision_report([1.0, 2.0], "k", 0.0)
