"""Order Summary volume and GMV per month and sales channel: what Order Management licenses count.

Salesforce licenses Order Management by GMV (a percentage of the grand totals of Order Summaries)
or by the number of managed Order Summaries created, the billing type set per sales channel
(``OrderManagementBillingType``, ``GMV`` or ``PPO``; Salesforce Help, *Order Life Cycle Types*,
https://help.salesforce.com/s/articleView?id=commerce.om_order_lifecycle_types.htm). Here the
types are `GMV` and `ORDER_SUMMARIES` (``"Order Summaries"``, Salesforce's ``PPO``).

Counted: **managed** Order Summaries created (``OrderLifeCycleType`` MANAGED), originals and
exchanges (``SourceProcess`` Exchange: an exchange creates a new Order Summary). Not counted:
**unmanaged** ones, reported beside the counts (``unmanaged_*`` columns) so an analyst sees what
was left out. Change orders (cancellations, returns, adjustments, return fees) and reshipments
are not Order Summaries at all: a change order is an Order changing an existing summary's totals,
a reshipment a fulfillment order (``IsReship``) of the existing summary. For reshipments this is
omsim's assumption: Salesforce documents no reshipment API.

``gmv_cents`` is the grand total (products, delivery charges and tax) at creation, the
``amount_cents`` of the ``Order Summary Created`` event. ``net_gmv_cents`` is the final
``GrandTotalAmount`` of ``records/OrderSummary.parquet``, which omsim, like Order Management,
keeps as the original plus every change order, so ``net = gmv - canceled_cents - returned_cents
- adjusted_cents + return_fee_cents`` (the `CHANGE_ACTIVITIES` events' amounts; tested). Both are
attributed to the month the summary was created; net is as of the run's end. Unmanaged summaries
have no maintained totals: only their GMV at creation is reported.

The clock is hours since the scenario's ``start`` (``metadata.json``), held in UTC, so months are
UTC calendar months ``"YYYY-MM"``; ``complete`` is False for a month only partly inside the
horizon. Every month the horizon touches appears for every channel of the scenario, zeros
included. Money is in integer cents of the scenario currency (``currency`` column); means over
replications are floats in cents. See docs/licensing.md. Never runs the model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

__all__ = [
    "BILLING_TYPES",
    "CHANGE_ACTIVITIES",
    "COMPONENTS",
    "GMV",
    "MEASURES",
    "ORDER_SUMMARIES",
    "RunCalendar",
    "monthly_table",
    "monthly_volume",
    "order_summary_volume",
    "run_calendar",
]

GMV = "GMV"
"""Billing type of a channel licensed by a percentage of its Order Summaries' GMV."""
ORDER_SUMMARIES = "Order Summaries"
"""Billing type of a channel licensed by the number of managed Order Summaries created
(Salesforce's ``PPO``)."""
BILLING_TYPES = (GMV, ORDER_SUMMARIES)

CREATED = "Order Summary Created"
CHANGE_ACTIVITIES = {
    "Order Items Canceled": "canceled_cents",
    "Return Order Items Returned": "returned_cents",
    "Order Items Returned": "returned_cents",
    "Order Items Adjusted": "adjusted_cents",
    "Return Fee Charged": "return_fee_cents",
}
"""Event activity -> component column: the change orders that move a summary's grand total. The
cancels, returns (with an RMA or simple) and adjustments lower it (their ``amount_cents`` is the
reduction), a return fee raises it."""
COMPONENTS = list(dict.fromkeys(CHANGE_ACTIVITIES.values()))

MEASURES = [
    "order_summaries",
    "exchanges",
    "gmv_cents",
    "net_gmv_cents",
    *COMPONENTS,
    "unmanaged_order_summaries",
    "unmanaged_gmv_cents",
]
"""The summed columns of `monthly_volume`: counts, then money in cents."""
KEYS = ["month", "sales_channel", "billing_type"]
VOLUME_COLUMNS = [*KEYS, "complete", *MEASURES, "currency"]
SUMMARY_FIELDS = ["Id", "SalesChannel", "OrderLifeCycleType", "SourceProcess", "GrandTotalAmount"]
LIFE_CYCLE_TYPES = ("MANAGED", "UNMANAGED")


@dataclass(frozen=True)
class RunCalendar:
    """The clock and unit of one run folder, from its ``metadata.json``.

    Attributes
    ----------
    start : pandas.Timestamp
        The scenario's ``start``, UTC: hour 0 of the simulation clock.
    horizon_hours : float
        Hours simulated after ``start`` (``horizon_days * 24``).
    currency : str
        ISO code of the scenario currency; money is in its integer cents.
    sales_channels : tuple of str
        The scenario's sales channels (``demand.sales_channels``), empty when not recorded.
    """

    start: pd.Timestamp
    horizon_hours: float
    currency: str
    sales_channels: tuple[str, ...] = ()

    @property
    def end(self) -> pd.Timestamp:
        """The end of the horizon, UTC (exclusive)."""
        return self.start + pd.Timedelta(hours=self.horizon_hours)

    def months(self) -> list[str]:
        """The calendar months ``"YYYY-MM"`` (UTC) the horizon touches, in order.

        >>> calendar = RunCalendar(pd.Timestamp("2026-09-28", tz="UTC"), 36 * 24.0, "USD")
        >>> calendar.months(), [calendar.complete(m) for m in calendar.months()]
        (['2026-09', '2026-10', '2026-11'], [False, True, False])
        """
        if self.horizon_hours <= 0:
            return []
        first = _period(self.start)
        last = _period(self.end - pd.Timedelta(microseconds=1))
        return [str(p) for p in pd.period_range(first, last, freq="M")]

    def complete(self, month: str) -> bool:
        """Whether ``month`` (``"YYYY-MM"``) lies wholly inside the horizon."""
        period = pd.Period(month, freq="M")
        begin = period.start_time.tz_localize("UTC")
        end = (period + 1).start_time.tz_localize("UTC")
        return bool(begin >= self.start and end <= self.end)


def _period(moment: pd.Timestamp) -> pd.Period:
    return moment.tz_convert("UTC").tz_localize(None).to_period("M")


def run_calendar(folder: Path | str) -> RunCalendar:
    """The `RunCalendar` of a run folder: ``start``, ``horizon_days`` and
    ``scenario_settings.currency`` from its ``metadata.json`` (ValueError naming the missing
    field), and the sales channels when recorded."""
    path = Path(folder) / "metadata.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; is {folder} a run folder?")
    meta = json.loads(path.read_text(encoding="utf-8"))
    settings = meta.get("scenario_settings") or {}
    missing = [
        name
        for name, value in (
            ("start", meta.get("start")),
            ("horizon_days", meta.get("horizon_days")),
            ("scenario_settings.currency", settings.get("currency")),
        )
        if value is None
    ]
    if missing:
        raise ValueError(f"{path}: missing field(s) {', '.join(missing)}")
    start = pd.Timestamp(meta["start"])
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    channels = (settings.get("demand") or {}).get("sales_channels") or {}
    return RunCalendar(
        start, float(meta["horizon_days"]) * 24.0, str(settings["currency"]), tuple(channels)
    )


# --- one run ----------------------------------------------------------------------------------


def _read(path: Path, columns: list[str], **filters: Any) -> pd.DataFrame:
    """The ``columns`` of a Parquet file (ValueError naming the file and any missing)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; is {path.parent} a run folder?")
    present = pq.read_schema(path).names
    missing = [c for c in columns if c not in present]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    return pd.read_parquet(path, columns=columns, **filters)


def _events(folder: Path) -> pd.DataFrame:
    """Creations and change orders: activity, order_summary_id, amount_cents, timestamp."""
    path = folder / "events.parquet"
    columns = ["activity", "order_summary_id", "amount_cents", "timestamp"]
    events = _read(path, columns, filters=[("activity", "in", [CREATED, *CHANGE_ACTIVITIES])])
    events = events.assign(activity=events["activity"].astype(str))
    if events["amount_cents"].isna().any():
        row = events[events["amount_cents"].isna()].iloc[0]
        raise ValueError(
            f"{path}: {row['activity']!r} event of {row['order_summary_id']} has no amount_cents"
        )
    return events


def _summaries(folder: Path, currency: str) -> pd.DataFrame:
    """``records/OrderSummary.parquet`` by Id, life cycle types and currency checked."""
    path = folder / "records" / "OrderSummary.parquet"
    records = _read(path, [*SUMMARY_FIELDS, "CurrencyIsoCode"])
    for field, allowed in (
        ("OrderLifeCycleType", LIFE_CYCLE_TYPES),
        ("CurrencyIsoCode", (currency,)),
    ):
        wrong = records[~records[field].isin(allowed)]
        if len(wrong):
            raise ValueError(
                f"{path}: OrderSummary {wrong['Id'].iloc[0]}: {field} {wrong[field].iloc[0]!r}; "
                f"allowed: {', '.join(allowed)} (amounts of one currency, that of metadata.json)"
            )
    return records.set_index("Id")


def _created(folder: Path, events: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """The creation events by Order Summary Id, one for each record and a record for each."""
    created = events[events["activity"] == CREATED].set_index("order_summary_id")
    for ids, others, where, what in (
        (records.index, created.index, "records/OrderSummary.parquet", f"no {CREATED!r} event"),
        (created.index, records.index, "events.parquet", "no OrderSummary record"),
    ):
        odd = ids.difference(others)
        if len(odd):
            raise ValueError(f"{folder / where}: {odd[0]} has {what}")
    if created.index.has_duplicates:
        twice = created.index[created.index.duplicated()][0]
        raise ValueError(f"{folder / 'events.parquet'}: {twice} is created twice")
    return created


def order_summary_volume(folder: Path | str) -> pd.DataFrame:
    """One row per Order Summary created in a run, with what licensing counts of it.

    Parameters
    ----------
    folder : path
        A run folder: reads ``events.parquet``, ``records/OrderSummary.parquet`` and
        ``metadata.json``.

    Returns
    -------
    pandas.DataFrame
        In creation order: ``order_summary_id``, ``ordered_at`` (UTC), ``month`` (its UTC
        ``"YYYY-MM"``), ``sales_channel``, ``life_cycle_type``, ``source_process``, ``counted``
        (managed), ``exchange`` (SourceProcess Exchange), ``gmv_cents`` (grand total at
        creation), ``net_gmv_cents`` (final ``GrandTotalAmount``; NA when unmanaged) and the
        change orders ``canceled_cents``, ``returned_cents``, ``adjusted_cents``,
        ``return_fee_cents``. Money in integer cents of the run's currency.

    Raises
    ------
    ValueError
        Naming the file and the Id or column: a summary without its creation event or the
        reverse, an unknown ``OrderLifeCycleType``, another currency, a missing column.
    """
    folder = Path(folder)
    events = _events(folder)
    records = _summaries(folder, run_calendar(folder).currency)
    created = _created(folder, events, records)
    changes = events[events["activity"] != CREATED]
    components = changes.pivot_table(
        index="order_summary_id",
        columns=changes["activity"].map(CHANGE_ACTIVITIES),
        values="amount_cents",
        aggfunc="sum",
    ).reindex(index=created.index, columns=COMPONENTS)
    rows = records.reindex(created.index)
    counted = rows["OrderLifeCycleType"] == "MANAGED"
    ordered_at = pd.to_datetime(created["timestamp"], utc=True)
    table = pd.DataFrame(
        {
            "ordered_at": ordered_at,
            "month": ordered_at.dt.tz_localize(None).dt.strftime("%Y-%m"),
            "sales_channel": rows["SalesChannel"].astype(str),
            "life_cycle_type": rows["OrderLifeCycleType"].astype(str),
            "source_process": rows["SourceProcess"].astype(str),
            "counted": counted,
            "exchange": rows["SourceProcess"] == "Exchange",
            "gmv_cents": created["amount_cents"].astype("int64"),
            "net_gmv_cents": rows["GrandTotalAmount"].where(counted).astype("Int64"),
        }
    ).join(components.fillna(0).astype("int64"))
    table = table.rename_axis("order_summary_id").reset_index()
    return table.sort_values("ordered_at", kind="stable", ignore_index=True)


def _billing(
    channels: Sequence[str], billing_types: Mapping[str, str] | None, source: str
) -> dict[str, str]:
    """Channel -> billing type; every channel must be given one of `BILLING_TYPES`."""
    if billing_types is None:
        return {channel: ORDER_SUMMARIES for channel in channels}
    allowed = " or ".join(repr(t) for t in BILLING_TYPES)
    for channel, kind in billing_types.items():
        if kind not in BILLING_TYPES:
            hint = f" (Salesforce's PPO is {ORDER_SUMMARIES!r})" if kind == "PPO" else ""
            raise ValueError(
                f"billing_types[{channel!r}] is {kind!r}: not a billing type; allowed: "
                f"{allowed}{hint}"
            )
    missing = [c for c in channels if c not in billing_types]
    if missing:
        raise ValueError(
            f"sales channel {missing[0]!r} ({source}) has no billing type in billing_types, "
            f"which gives {sorted(billing_types)!r}: give every channel {allowed}"
        )
    return {channel: billing_types[channel] for channel in channels}


def monthly_table(
    summaries: pd.DataFrame,
    calendar: RunCalendar,
    billing_types: Mapping[str, str] | None = None,
    *,
    source: str = "the run",
    months: Sequence[str] = (),
) -> pd.DataFrame:
    """`monthly_volume` of a per-summary table shaped like `order_summary_volume`'s.

    The pure part of `monthly_volume`, for a table from another source: ``source`` names it in
    error messages; ``months`` adds months to the grid (beside the horizon's and the table's).
    """
    channels = list(dict.fromkeys([*calendar.sales_channels, *summaries["sales_channel"]]))
    billing = _billing(channels, billing_types, source)
    months = sorted(set(calendar.months()) | set(summaries["month"]) | set(months))
    counted = summaries["counted"].astype(bool)
    money = ["gmv_cents", "net_gmv_cents", *COMPONENTS]
    parts = summaries[["month", "sales_channel"]].assign(
        order_summaries=counted,
        exchanges=counted & summaries["exchange"].astype(bool),
        unmanaged_order_summaries=~counted,
        unmanaged_gmv_cents=summaries["gmv_cents"].where(~counted, 0),
    )
    parts[money] = summaries[money].where(counted, 0, axis=0)
    grid = pd.MultiIndex.from_product([months, channels], names=["month", "sales_channel"])
    sums = parts.groupby(["month", "sales_channel"])[MEASURES].sum()
    table = sums.reindex(grid, fill_value=0).fillna(0).astype("int64").reset_index()
    table.insert(2, "billing_type", table["sales_channel"].map(billing))
    table.insert(3, "complete", [calendar.complete(m) for m in table["month"]])
    table["currency"] = calendar.currency
    return table[VOLUME_COLUMNS]


def monthly_volume(
    folder: Path | str, billing_types: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Managed Order Summaries created and their GMV, per month and sales channel, of one run.

    Parameters
    ----------
    folder : path
        A run folder (`omsim.runfolder.run_to_folder`).
    billing_types : mapping of str to str, optional
        Sales channel -> ``"GMV"`` or ``"Order Summaries"``, as Salesforce sets the billing type
        per channel; every channel of the run must be given (channels absent from the run are
        allowed). Default: every channel ``"Order Summaries"``. The billing type only labels
        which figure a channel is billed by: every row carries the counts and the GMV.

    Returns
    -------
    pandas.DataFrame
        A row per (``month``, ``sales_channel``), every month the horizon touches and every
        channel of the scenario, zeros included: ``month`` (UTC ``"YYYY-MM"`` of creation),
        ``sales_channel``, ``billing_type``, ``complete`` (the month wholly inside the
        horizon), the `MEASURES` (``order_summaries``: managed, exchanges included;
        ``exchanges``: of which SourceProcess Exchange; ``gmv_cents`` at creation;
        ``net_gmv_cents`` final; the change orders between the two; ``unmanaged_*``: left
        out) and ``currency``. Money in integer cents of ``currency``; later changes are
        attributed to the month the summary was created.

    Raises
    ------
    ValueError
        If a channel has no billing type or a type is not allowed (naming both), or the folder
        is inconsistent (see `order_summary_volume`).
    """
    folder = Path(folder)
    return monthly_table(
        order_summary_volume(folder),
        run_calendar(folder),
        billing_types,
        source=f"in {folder}",
    )
