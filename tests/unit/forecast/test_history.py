"""History CSVs: the sample reads as daily with exact cents; every bad file is refused with its
file, line and column named; nothing is filled or dropped."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omsim.forecast.history import (
    ALL_CHANNELS,
    SAMPLE_HISTORY,
    HistoryError,
    parse_history,
    read_history,
)


def days(n: int, start: str = "2024-01-01") -> list[str]:
    return list(pd.date_range(start, periods=n, freq="D").strftime("%Y-%m-%d"))


def csv(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows]) + "\n"


def refused(text: str, *, line: int | None, column: str | None, match: str) -> HistoryError:
    with pytest.raises(HistoryError) as info:
        parse_history(text, source="orders.csv")
    error = info.value
    assert (error.line, error.column) == (line, column)
    assert str(error).startswith("orders.csv")
    assert re.search(match, str(error)), str(error)
    return error


def test_the_sample_is_three_daily_years_with_gmv_in_exact_cents() -> None:
    history = read_history(SAMPLE_HISTORY)
    assert history.frequency == "daily"
    assert history.channels == ("Web Store",)
    assert history.measures == ("orders", "gmv_cents")
    assert len(history.frame) == 1096
    assert (history.first_date, history.last_date) == (
        pd.Timestamp("2023-01-01"),
        pd.Timestamp("2025-12-31"),
    )
    first = SAMPLE_HISTORY.read_text().splitlines()[1].split(",")
    assert history.frame["gmv_cents"].iloc[0] == round(float(first[3]) * 100)
    assert history.frame["gmv_cents"].dtype == "int64"


def test_monthly_files_are_detected_from_either_date_form() -> None:
    short = parse_history(csv("date,orders", ["2024-01,10", "2024-02,12", "2024-03,9"]))
    first_days = parse_history(csv("Date,Orders", ["2024-01-01,10", "2024-02-01,12"]))
    assert short.frequency == first_days.frequency == "monthly"
    assert short.last_date == pd.Timestamp("2024-03-31")
    totals = short.monthly_totals()
    assert list(totals["n_days"]) == [31, 29, 31] and totals["complete"].all()


def test_rows_in_any_order_blank_lines_and_a_bom_are_read() -> None:
    text = "\ufeffdate,orders,gmv\n2024-01-02,3,10.5\n\n2024-01-01,2,7\n"
    history = parse_history(text)
    assert list(history.frame["orders"]) == [2, 3]
    assert list(history.frame["gmv_cents"]) == [700, 1050]
    assert history.channels == (ALL_CHANNELS,)


def test_channels_sum_and_monthly_totals_mark_partial_months() -> None:
    rows = [f"{d},{c},{n}" for d in days(40, "2024-01-15") for c, n in (("Web", 2), ("App", 3))]
    history = parse_history(csv("date,channel,orders", rows))
    assert history.channels == ("App", "Web")
    assert history.series().iloc[0] == 5 and history.series(channel="App").iloc[0] == 3
    totals = history.monthly_totals()
    assert list(totals["n_days"]) == [17, 23] and not totals["complete"].any()
    assert list(totals["value"]) == [85, 115]


def test_a_missing_day_is_named_with_the_line_before_it() -> None:
    rows = [f"{d},5" for d in days(10) if d not in ("2024-01-04", "2024-01-05")]
    error = refused(csv("date,orders", rows), line=None, column="date", match="missing 2 day")
    assert "after line 4: 2024-01-04, 2024-01-05" in str(error)


def test_a_channel_without_every_date_is_refused() -> None:
    rows = [f"{d},Web,1" for d in days(5)] + [f"{d},App,1" for d in days(3)]
    refused(csv("date,channel,orders", rows), line=None, column="date", match="channel 'App'")


def test_a_duplicate_date_names_both_lines() -> None:
    text = csv("date,orders", ["2024-01-01,1", "2024-01-02,1", "2024-01-01,4"])
    refused(text, line=4, column="date", match="duplicate date 2024-01-01, already on line 2")


def test_the_same_date_in_two_channels_is_not_a_duplicate() -> None:
    history = parse_history(csv("date,channel,orders", ["2024-01-01,Web,1", "2024-01-01,App,2"]))
    assert len(history.frame) == 2


@pytest.mark.parametrize(
    ("header", "row", "column", "match"),
    [
        ("date,orders", "2024-01-02,-3", "orders", "negative"),
        ("date,orders", "2024-01-02,3.5", "orders", "not a whole number"),
        ("date,orders", "2024-01-02,1 000", "orders", "not a whole number"),
        ("date,orders,gmv", "2024-01-02,3,-1.00", "gmv", "negative"),
        ("date,orders,gmv", "2024-01-02,3,1.005", "gmv", "at most two decimals"),
        ("date,orders,gmv", "2024-01-02,3,$5", "gmv", "not an amount"),
        ("date,orders,gmv_cents", "2024-01-02,3,5.5", "gmv_cents", "not a whole number"),
        ("date,orders", "02/01/2024,3", "date", "not a date"),
        ("date,orders", "2024-02-30,3", "date", "no such date"),
        ("date,orders", "2024-01,3", "date", "use one format"),
        ("date,channel,orders", "2024-01-02, ,3", "channel", "name the sales channel"),
    ],
)
def test_a_bad_value_names_its_line_and_column(
    header: str, row: str, column: str, match: str
) -> None:
    first_row = {"date,orders": "2024-01-01,1", "date,channel,orders": "2024-01-01,Web,1"}
    good = first_row.get(header, "2024-01-01,1,1")
    refused(csv(header, [good, row]), line=3, column=column, match=match)


def test_a_row_with_the_wrong_number_of_fields_is_unparseable() -> None:
    refused(csv("date,orders", ["2024-01-01,1,7"]), line=2, column=None, match="unparseable row")


@pytest.mark.parametrize(
    ("header", "match"),
    [
        ("date,orders,region", "unknown column.*'region'.*allowed: date, orders"),
        ("date,gmv", "no 'orders' column"),
        ("date,orders,gmv,gmv_cents", "keep one"),
        ("date,orders,Orders", "appears twice"),
    ],
)
def test_a_bad_header_is_refused(header: str, match: str) -> None:
    refused(csv(header, ["2024-01-01,1,1,1"]), line=1, column=None, match=match)


def test_empty_files_and_missing_files_are_refused(tmp_path: Path) -> None:
    refused("\n\n", line=None, column=None, match="empty")
    refused("date,orders\n", line=1, column=None, match="no data rows")
    with pytest.raises(HistoryError, match="no such file"):
        read_history(tmp_path / "absent.csv")
    (tmp_path / "latin1.csv").write_bytes(b"date,orders\n2024-01-01,1\xe9\n")
    with pytest.raises(HistoryError, match="not UTF-8"):
        read_history(tmp_path / "latin1.csv")


@settings(max_examples=25, deadline=None)
@given(
    orders=st.lists(st.integers(0, 10**6), min_size=3, max_size=20),
    cents=st.lists(st.integers(0, 10**10), min_size=20, max_size=20),
    dropped=st.integers(1, 18),
)
def test_values_round_trip_exactly_and_any_dropped_day_is_named(
    orders: list[int], cents: list[int], dropped: int
) -> None:
    dates = days(len(orders))
    rows = [
        f"{d},{n},{c // 100}.{c % 100:02d}" for d, n, c in zip(dates, orders, cents, strict=False)
    ]
    history = parse_history(csv("date,orders,gmv", rows))
    assert list(history.frame["orders"]) == orders
    assert list(history.frame["gmv_cents"]) == cents[: len(orders)]
    if dropped < len(rows) - 1:  # an interior day removed: a gap, never filled
        gap = rows[:dropped] + rows[dropped + 1 :]
        with pytest.raises(HistoryError, match=f"missing 1 day.*{dates[dropped]}"):
            parse_history(csv("date,orders,gmv", gap))
