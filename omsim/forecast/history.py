"""Order history from a CSV export: read, validated, and held as daily or monthly series.

An analyst exports orders per day (or per month) from their reporting, optionally per sales
channel and with the gross merchandise value (GMV). This module reads that file and refuses it,
with the file, line and column named, when it cannot be forecast honestly: an unparseable row or
value, a negative count or amount, a date given twice for a channel, a date missing from the
series. Nothing is filled, clamped or dropped: a gap is an error, not a zero.

The format (one header row, then one row per date, or per date and channel):

``date``
    ``YYYY-MM-DD`` for a daily history, ``YYYY-MM`` for a monthly one. A file whose every date
    is the first of its month (``YYYY-MM-01``, at least two dates) is read as monthly too; one
    whose every date is the last day of its month is refused (date the months instead).
``orders``
    Orders created on that day (in that month): a whole number, 0 or more (at most 2**53, as
    are GMV cents: the forecast is exact in floats to there). In Salesforce terms, the Order
    Summaries created.
``gmv`` *(optional)*
    GMV in the currency's major units, as reports export it (``1234.56``: at most two decimals,
    no thousands separators or currency symbol); read into integer cents, exactly.
``gmv_cents`` *(optional, instead of gmv)*
    GMV already in integer cents (minor units) of the currency.
``channel`` *(optional)*
    The sales channel (Salesforce's ``SalesChannel``) the row counts. With it, every channel
    must have a row for every date of the history. ``All channels`` names the sum over
    channels: beside other channels it is refused (a report's total rows, counted twice).

Column names are read case-insensitively; any other column is refused (say which to keep). Rows
may come in any order; empty lines are skipped. The frequency found is stated on the result.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

import pandas as pd

__all__ = [
    "ALL_CHANNELS",
    "COLUMNS",
    "MEASURES",
    "SAMPLE_HISTORY",
    "HistoryError",
    "OrderHistory",
    "parse_history",
    "read_history",
]

Frequency = Literal["daily", "monthly"]

COLUMNS = ("date", "orders", "gmv", "gmv_cents", "channel")
"""The columns a history file may have; ``date`` and ``orders`` are required."""

MEASURES = ("orders", "gmv_cents")
"""What a history measures: orders created (a count) and GMV (integer cents)."""

ALL_CHANNELS = "All channels"
"""The channel name of a file without a ``channel`` column, and of the sum over channels."""

SAMPLE_HISTORY = (
    Path(__file__).resolve().parents[1] / "data" / "history" / "sample-daily-orders.csv"
)
"""A SYNTHETIC three-year daily history shipped with omsim (see ``docs/forecasting.md``)."""

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")
_WHOLE = re.compile(r"-?\d+")
_AMOUNT = re.compile(r"-?\d+(\.\d{1,2})?")
_SHOWN_GAPS = 5
_MAX_VALUE = 2**53
"""The largest count or amount in cents read: the forecast works in float64, exact up to it."""


class ForecastError(ValueError):
    """A forecast cannot be made from this history or with these options."""


class HistoryError(ValueError):
    """A history file cannot be forecast; the message names the file, line and column.

    Attributes
    ----------
    source : str
        The file (or the name given to `parse_history`).
    line : int or None
        The 1-based line of the file, or None when the problem is not on one line.
    column : str or None
        The column, or None when the problem is the whole row or file.
    """

    def __init__(
        self, source: str, problem: str, *, line: int | None = None, column: str | None = None
    ) -> None:
        where = source
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {problem}")
        self.source, self.line, self.column = source, line, column


@dataclass(frozen=True)
class OrderHistory:
    """A validated order history: one row per date and channel, no gaps, no duplicates.

    Attributes
    ----------
    source : str
        Where it was read from.
    frequency : {"daily", "monthly"}
        Days or calendar months, as found in the file.
    frame : pandas.DataFrame
        Columns ``date`` (midnight of the day, or the first day of the month), ``channel``,
        ``orders`` (int64, Order Summaries created) and, when the file had GMV, ``gmv_cents``
        (int64, integer cents of the order currency); sorted by date, then channel.
    has_gmv : bool
        Whether the file gave GMV.
    """

    source: str
    frequency: Frequency
    frame: pd.DataFrame
    has_gmv: bool

    @property
    def channels(self) -> tuple[str, ...]:
        """The sales channels, sorted (``("All channels",)`` for a file without channels)."""
        return tuple(sorted(self.frame["channel"].unique()))

    @property
    def measures(self) -> tuple[str, ...]:
        """The measures held: ``("orders",)`` or ``("orders", "gmv_cents")``."""
        return MEASURES if self.has_gmv else MEASURES[:1]

    @property
    def first_date(self) -> pd.Timestamp:
        """The first day (or first month's first day) of the history."""
        return pd.Timestamp(self.frame["date"].iloc[0])

    @property
    def last_date(self) -> pd.Timestamp:
        """The last day of the history (for a monthly one, the last month's last day)."""
        last = pd.Timestamp(self.frame["date"].iloc[-1])
        return last + pd.offsets.MonthEnd(0) if self.frequency == "monthly" else last

    def series(self, measure: str = "orders", channel: str | None = None) -> pd.Series:
        """One measure as a float series indexed by date (daily ``D`` or month-start ``MS``).

        ``channel=None`` sums over every channel (each has a row for every date).
        """
        if measure not in self.measures:
            raise ValueError(f"measure {measure!r}: this history holds {', '.join(self.measures)}")
        frame = self.frame
        if channel is not None:
            if channel not in self.channels:
                raise ValueError(f"channel {channel!r}: the history has {', '.join(self.channels)}")
            frame = frame[frame["channel"] == channel]
        values = frame.groupby("date")[measure].sum().astype(float)
        values.index = pd.DatetimeIndex(
            values.index, freq="D" if self.frequency == "daily" else "MS"
        )
        return values.rename(measure)

    def monthly_totals(self, measure: str = "orders", channel: str | None = None) -> pd.DataFrame:
        """Calendar-month totals of a measure, marking the months the history covers wholly.

        Returns
        -------
        pandas.DataFrame
            Indexed by month (``pandas.Period``, freq ``M``), columns ``value`` (the total, in the
            measure's unit), ``n_days`` (days of the month in the history) and ``complete``.
            A daily history that starts or ends mid-month has an incomplete first or last month.
        """
        values = self.series(measure, channel)
        months = values.index.to_period("M")
        if self.frequency == "monthly":
            n_days = values.index.days_in_month
            return pd.DataFrame(
                {"value": values.to_numpy(), "n_days": n_days, "complete": True}, index=months
            )
        grouped = values.groupby(months)
        totals = pd.DataFrame({"value": grouped.sum(), "n_days": grouped.size()})
        totals["complete"] = totals["n_days"] == totals.index.days_in_month
        return totals

    def until(self, last_date: pd.Timestamp) -> OrderHistory:
        """The same history cut after ``last_date`` (kept), e.g. to hold out months."""
        kept = self.frame[self.frame["date"] <= last_date].reset_index(drop=True)
        if kept.empty:
            raise ValueError(f"{self.source}: no date on or before {last_date.date()}")
        return OrderHistory(self.source, self.frequency, kept, self.has_gmv)


def read_history(path: str | Path) -> OrderHistory:
    """Read and validate a history CSV (format in the module docstring).

    Raises
    ------
    HistoryError
        The file is missing, not UTF-8 text, or fails a check; the message names the line and
        column and says what is allowed.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HistoryError(source, "no such file") from None
    except IsADirectoryError:
        raise HistoryError(source, "a folder, not a CSV file") from None
    except UnicodeDecodeError as exc:
        raise HistoryError(source, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise HistoryError(source, f"cannot be read ({exc.strerror or exc})") from None
    return parse_history(text, source=source)


def parse_history(text: str, *, source: str = "<history>") -> OrderHistory:
    """Validate the text of a history CSV; `read_history` for a file."""
    text = text.removeprefix("\ufeff")  # the byte-order mark spreadsheets write is not data
    rows = [(i, row) for i, row in _lines(source, text) if any(cell.strip() for cell in row)]
    if not rows:
        raise HistoryError(source, "empty; the first line names the columns: date,orders,...")
    header_line, header = rows[0]
    names = _header(source, header_line, header)
    if len(rows) == 1:
        raise HistoryError(source, "a header but no data rows", line=header_line)
    records = [_record(source, line, names, row) for line, row in rows[1:]]
    _check_sum_channel(source, records)
    frequency = _frequency(source, records)
    frame = pd.DataFrame(
        [r for _, r in records], columns=["date", "channel", "orders", "gmv_cents"]
    )
    frame["line"] = [line for line, _ in records]
    frame["date"] = pd.to_datetime(frame["date"])
    frame = frame.sort_values(["date", "channel", "line"], kind="stable").reset_index(drop=True)
    _check_duplicates(source, frame)
    _check_gaps(source, frame, frequency)
    has_gmv = "gmv" in names or "gmv_cents" in names
    frame = frame.drop(columns=["line"] if has_gmv else ["line", "gmv_cents"])
    frame["orders"] = frame["orders"].astype("int64")
    if has_gmv:
        frame["gmv_cents"] = frame["gmv_cents"].astype("int64")
    return OrderHistory(source, frequency, frame, has_gmv)


def _lines(source: str, text: str) -> Iterable[tuple[int, list[str]]]:
    reader = csv.reader(text.splitlines(keepends=True))
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise HistoryError(source, f"unparseable CSV: {exc}", line=start) from None


def _header(source: str, line: int, header: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in header]
    unknown = [n for n in names if n not in COLUMNS]
    separator = next((sep for sep in (";", "\t", "|") if sep in "".join(unknown)), None)
    if separator is not None:
        raise HistoryError(
            source,
            f"the columns are separated by commas, this header by {separator!r}; export the "
            "file as comma-separated values (CSV)",
            line=line,
        )
    if "" in names:
        raise HistoryError(
            source,
            f"column {names.index('') + 1} has no name (an empty header cell); name it one of "
            f"{', '.join(COLUMNS)}, or remove the column",
            line=line,
        )
    if unknown:
        raise HistoryError(
            source,
            f"unknown column(s) {', '.join(repr(n) for n in unknown)}; allowed: "
            f"{', '.join(COLUMNS)} (date and orders required); remove the others",
            line=line,
        )
    for name in set(names):
        if names.count(name) > 1:
            raise HistoryError(source, f"column '{name}' appears twice", line=line)
    for required in ("date", "orders"):
        if required not in names:
            raise HistoryError(
                source, f"no '{required}' column; found {', '.join(names)}", line=line
            )
    if "gmv" in names and "gmv_cents" in names:
        raise HistoryError(
            source, "both 'gmv' (major units) and 'gmv_cents' given; keep one", line=line
        )
    return names


def _record(
    source: str, line: int, names: list[str], row: list[str]
) -> tuple[int, tuple[str, str, int, int | None]]:
    if len(row) != len(names):
        hint = (
            " (a value with a comma, such as a thousands separator in 1,234.56, must be "
            "quoted or written without it)"
            if len(row) > len(names)
            else ""
        )
        raise HistoryError(
            source,
            f"unparseable row: {len(row)} fields, the header has {len(names)}{hint}",
            line=line,
        )
    cells = dict(zip(names, (cell.strip() for cell in row), strict=True))
    date = _date(source, line, cells["date"])
    orders = _whole(source, line, "orders", cells["orders"], "orders created")
    gmv_cents: int | None = None
    if "gmv_cents" in cells:
        gmv_cents = _whole(source, line, "gmv_cents", cells["gmv_cents"], "GMV in cents")
    elif "gmv" in cells:
        gmv_cents = _gmv(source, line, cells["gmv"])
    channel = cells.get("channel", ALL_CHANNELS)
    if not channel:
        raise HistoryError(source, "empty; name the sales channel", line=line, column="channel")
    return line, (date, channel, orders, gmv_cents)


def _date(source: str, line: int, cell: str) -> str:
    if not (_DAY.fullmatch(cell) or _MONTH.fullmatch(cell)):
        raise HistoryError(
            source,
            f"{cell!r} is not a date; write YYYY-MM-DD (daily) or YYYY-MM (monthly)",
            line=line,
            column="date",
        )
    try:
        dt.date.fromisoformat(cell if len(cell) == 10 else cell + "-01")
    except ValueError:
        raise HistoryError(source, f"{cell!r}: no such date", line=line, column="date") from None
    return cell


def _whole(source: str, line: int, column: str, cell: str, what: str) -> int:
    if not _WHOLE.fullmatch(cell):
        raise HistoryError(
            source,
            f"{cell!r} is not a whole number; {what}: digits only (no separators or decimals)",
            line=line,
            column=column,
        )
    value = int(cell)
    if value < 0:
        raise HistoryError(
            source, f"{value} is negative; {what} are 0 or more", line=line, column=column
        )
    return _not_too_large(source, line, column, value)


def _not_too_large(source: str, line: int, column: str, value: int) -> int:
    if value > _MAX_VALUE:
        raise HistoryError(
            source,
            f"{value} is too large; at most {_MAX_VALUE:,} (in cents for GMV)",
            line=line,
            column=column,
        )
    return value


def _gmv(source: str, line: int, cell: str) -> int:
    if not _AMOUNT.fullmatch(cell):
        raise HistoryError(
            source,
            f"{cell!r} is not an amount; GMV in major units: digits with at most two decimals "
            "(1234.56), no thousands separators or currency symbol",
            line=line,
            column="gmv",
        )
    cents = int(Decimal(cell) * 100)
    if cents < 0:
        raise HistoryError(source, f"{cell} is negative; GMV is 0 or more", line=line, column="gmv")
    return _not_too_large(source, line, "gmv", cents)


def _check_sum_channel(
    source: str, records: Sequence[tuple[int, tuple[str, str, int, int | None]]]
) -> None:
    """Refuse a channel named as the sum over channels beside other channels: a report's total
    row, which the sum would count twice."""
    channels = {channel for _, (_date, channel, *_rest) in records}
    if ALL_CHANNELS not in channels or len(channels) == 1:
        return
    line = next(line for line, (_date, channel, *_rest) in records if channel == ALL_CHANNELS)
    raise HistoryError(
        source,
        f"{ALL_CHANNELS!r} is the name of the sum over channels, which the forecast adds "
        "itself; remove these total rows (or rename the channel)",
        line=line,
        column="channel",
    )


def _frequency(
    source: str, records: Sequence[tuple[int, tuple[str, str, int, int | None]]]
) -> Frequency:
    first_line, first = records[0]
    monthly_format = len(first[0]) == 7
    for line, (date, *_rest) in records:
        if (len(date) == 7) != monthly_format:
            shown = "YYYY-MM" if monthly_format else "YYYY-MM-DD"
            raise HistoryError(
                source,
                f"{date!r}: the dates are {shown} (as on line {first_line}); use one format",
                line=line,
                column="date",
            )
    if monthly_format:
        return "monthly"
    dates = {date for _, (date, *_rest) in records}
    if len(dates) > 1 and all(d.endswith("-01") for d in dates):
        return "monthly"
    month_ends = [dt.date.fromisoformat(d) for d in dates]
    if len(dates) > 1 and all((d + dt.timedelta(days=1)).day == 1 for d in month_ends):
        raise HistoryError(
            source,
            f"{first[0]!r}: every date is the last day of its month, as a monthly export "
            "dated by month end; date each month YYYY-MM (or YYYY-MM-01, its first day)",
            line=first_line,
            column="date",
        )
    return "daily"


def _check_duplicates(source: str, frame: pd.DataFrame) -> None:
    repeated = frame[frame.duplicated(["date", "channel"], keep=False)]
    if repeated.empty:
        return
    first = repeated.iloc[0]
    lines = repeated[
        (repeated["date"] == first["date"]) & (repeated["channel"] == first["channel"])
    ]
    later = int(lines["line"].iloc[1])
    channel = "" if first["channel"] == ALL_CHANNELS else f" for channel {first['channel']!r}"
    raise HistoryError(
        source,
        f"duplicate date {first['date'].date()}{channel}, already on line {int(lines['line'].iloc[0])}; "
        "each date appears once per channel (sum the rows or remove one)",
        line=later,
        column="date",
    )


def _check_gaps(source: str, frame: pd.DataFrame, frequency: Frequency) -> None:
    step = "D" if frequency == "daily" else "MS"
    expected = pd.date_range(frame["date"].iloc[0], frame["date"].iloc[-1], freq=step)
    for channel, rows in frame.groupby("channel", sort=True):
        present = pd.DatetimeIndex(rows["date"])
        missing = expected.difference(present)
        if missing.empty:
            continue
        fmt = "%Y-%m-%d" if frequency == "daily" else "%Y-%m"
        shown = ", ".join(d.strftime(fmt) for d in missing[:_SHOWN_GAPS])
        more = f" (and {len(missing) - _SHOWN_GAPS} more)" if len(missing) > _SHOWN_GAPS else ""
        before = rows[rows["date"] < missing[0]]
        after = f" after line {int(before['line'].iloc[-1])}" if not before.empty else ""
        who = "" if channel == ALL_CHANNELS else f" for channel {channel!r}"
        unit = "day" if frequency == "daily" else "month"
        raise HistoryError(
            source,
            f"missing {len(missing)} {unit}(s){who}{after}: {shown}{more}; every {unit} from "
            f"{expected[0].strftime(fmt)} to {expected[-1].strftime(fmt)} needs a row (a {unit} "
            "without orders is a row with orders 0), nothing is filled in",
            column="date",
        )
