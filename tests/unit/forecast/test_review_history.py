"""Review of the history forecast path (issue 14): inputs that gave a traceback or a misleading
message, and fits that crashed instead of refusing the series."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omsim.forecast.backtest import backtest, synthetic_daily_history
from omsim.forecast.history import ForecastError, HistoryError, parse_history, read_history
from omsim.forecast.models import forecast_series


def refused(text: str, *, line: int | None, column: str | None, match: str) -> HistoryError:
    with pytest.raises(HistoryError) as info:
        parse_history(text, source="orders.csv")
    error = info.value
    assert (error.line, error.column) == (line, column), str(error)
    assert re.search(match, str(error)), str(error)
    return error


@pytest.mark.parametrize(
    ("header", "cell", "column"),
    [
        ("date,orders", "99999999999999999999", "orders"),
        ("date,orders,gmv_cents", "99999999999999999999", "gmv_cents"),
        ("date,orders,gmv", "99999999999999999999.00", "gmv"),
    ],
)
def test_a_value_too_large_to_hold_exactly_is_refused(header: str, cell: str, column: str) -> None:
    row = f"2024-01-01,{cell}" if column == "orders" else f"2024-01-01,5,{cell}"
    refused(f"{header}\n{row}\n", line=2, column=column, match="too large")


def test_month_end_dates_are_named_as_a_monthly_export_not_as_missing_days() -> None:
    text = "date,orders\n2024-01-31,10\n2024-02-29,11\n2024-03-31,12\n"
    refused(text, line=2, column="date", match=r"last day of its month.*YYYY-MM")


def test_a_row_with_extra_fields_suggests_an_unquoted_thousands_separator() -> None:
    text = "date,orders,gmv\n2024-01-01,3,1,234.56\n"
    refused(text, line=2, column=None, match=r"4 fields, the header has 3.*thousands separator")


def test_a_missing_month_says_month_not_day() -> None:
    error = refused(
        "date,orders\n2024-01,5\n2024-03,6\n", line=None, column="date", match="missing 1 month"
    )
    assert "a month without orders is a row with orders 0" in str(error)
    assert "day" not in str(error)


def test_a_path_under_a_file_is_a_history_error(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text("date,orders\n", encoding="utf-8")
    with pytest.raises(HistoryError, match="cannot be read"):
        read_history(tmp_path / "orders.csv" / "inner.csv")


def test_a_channel_launched_during_the_history_is_forecast_or_refused_clearly() -> None:
    """A year and more of zeros, then sales: the AR search met a singular whitened design and
    raised numpy's LinAlgError, a traceback on the command line."""
    frame = synthetic_daily_history(seed=1)
    frame["orders"] = np.where(np.arange(len(frame)) < 400, 0, frame["orders"])
    history = parse_history(frame.to_csv(index=False), source="launch.csv")
    try:
        result = forecast_series(history, n_paths=200, rng=np.random.default_rng(0))
    except ForecastError as error:
        assert "launch.csv" in str(error)
    else:
        assert np.isfinite(result.paths).all()


def test_numpy_integers_are_whole_numbers_for_the_horizon_and_the_holdout() -> None:
    rows = ["date,orders"] + [
        f"{m},{1000 + 50 * (m.month == 12) + i}"
        for i, m in enumerate(pd.period_range("2022-01", periods=30, freq="M"))
    ]
    history = parse_history("\n".join(rows) + "\n")
    forecast = forecast_series(
        history, horizon_months=np.int64(12), n_paths=100, rng=np.random.default_rng(0)
    )
    assert len(forecast.months) == 12
    result = backtest(history, holdout_months=np.int64(3), n_paths=100)
    assert len(result.months) == 3
    with pytest.raises(ForecastError, match="horizon_months True"):
        forecast_series(history, horizon_months=True, n_paths=100, rng=np.random.default_rng(0))


def test_a_channel_named_as_the_sum_beside_others_is_refused() -> None:
    """A report's total row per date, labelled "All channels", would be counted twice in the sum
    over channels and share the sum's name."""
    text = (
        "date,channel,orders\n2024-01,Web,5\n2024-01,All channels,9\n2024-01,Stores,4\n"
        "2024-02,Web,6\n2024-02,All channels,10\n2024-02,Stores,4\n"
    )
    refused(text, line=3, column="channel", match="'All channels' is the name of the sum")


def test_a_file_of_one_channel_named_as_the_sum_is_read() -> None:
    history = parse_history("date,channel,orders\n2024-01,All channels,5\n2024-02,All channels,6\n")
    assert history.channels == ("All channels",)


def monthly(n_months: int = 30) -> str:
    rng = np.random.default_rng(3)
    months = pd.period_range("2022-01", periods=n_months, freq="M")
    orders = np.rint(1000 * (1 + 0.3 * (months.month == 12)) * rng.lognormal(0, 0.05, n_months))
    rows = [f"{m},{int(n)}" for m, n in zip(months, orders, strict=True)]
    return "\n".join(["date,orders", *rows]) + "\n"


def test_the_same_seed_gives_the_same_forecast_and_backtest() -> None:
    from omsim.forecast.models import forecast_history

    history = parse_history(monthly())
    first = forecast_history(history, 12, n_paths=200, seed=5).table
    pd.testing.assert_frame_equal(first, forecast_history(history, 12, n_paths=200, seed=5).table)
    other = forecast_history(history, 12, n_paths=200, seed=6).table
    model = first["method"] == "model"
    assert not np.allclose(first.loc[model, "p90"], other.loc[model, "p90"])
    runs = [backtest(history, holdout_months=4, n_paths=200, seed=5).table for _ in range(2)]
    pd.testing.assert_frame_equal(*runs)


def test_printed_columns_stay_apart_for_a_large_retailer() -> None:
    """Ten million orders and a billion of GMV a month: the values once filled their columns'
    fixed widths and ran into each other."""
    from omsim.cli_forecast_text import monthly_table
    from omsim.forecast.models import forecast_history

    rng = np.random.default_rng(4)
    months = pd.period_range("2022-01", periods=36, freq="M")
    orders = np.rint(12e6 * (1 + 0.3 * (months.month == 12)) * rng.lognormal(0, 0.03, 36))
    rows = [f"{m},{int(n)},{int(n) * 9_000}" for m, n in zip(months, orders, strict=True)]
    history = parse_history("\n".join(["date,orders,gmv_cents", *rows]) + "\n")
    forecast = forecast_history(history, 12, n_paths=100, seed=0)
    keys = [(s.channel, s.measure) for s in forecast.series]
    text = monthly_table(forecast, dict.fromkeys(keys, "no backtest"))
    rows_printed = [line for line in text.splitlines() if line.startswith("2025-")]
    assert len(rows_printed) == 2 * 2 * 12
    for line in rows_printed:
        fields = line.split()
        month, method, values = fields[0], fields[1:-5], fields[-5:]
        assert re.fullmatch(r"\d{4}-\d\d", month) and method
        assert all(re.fullmatch(r"[\d,]+(\.\d\d)?", v) for v in values), line


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_file_separated_by_semicolons_or_tabs_says_so(separator: str) -> None:
    """Spreadsheets in many locales export ``date;orders``: one unknown column, unexplained."""
    text = f"date{separator}orders\n2024-01{separator}5\n"
    refused(text, line=1, column=None, match="separated by commas.*" + re.escape(repr(separator)))


def test_an_unnamed_column_is_named_by_its_position() -> None:
    """Spreadsheets often export a trailing empty column: ``date,orders,``."""
    refused("date,orders,\n2024-01,5,\n", line=1, column=None, match="column 3 has no name")
