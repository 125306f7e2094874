"""The object-centric, columnar event log: the single source of truth for analytics.

Every `DomainEvent` an action returns, and every event the simulation observes itself
(``"Parcel Shipped"``, ``"Order Delivered"``), is appended here as primitives in per-column lists
and arrays; no per-event Python object is kept. The log yields four tables, mirroring OCEL 2.0
(events, event-to-object relations with qualifiers, objects, object attribute changes over time):

* ``events``: one row per event (id, hours, timestamp, activity, common attributes, JSON of all),
* ``event_objects``: one row per (event, object, qualifier),
* ``objects``: one row per distinct object, with the hour it was first seen,
* ``object_changes``: the status, quantity and money fields changed by each event.

They are written to the run folder as Parquet (`EventLog.write_parquet`) and, on request, as
OCEL 2.0 JSON (`EventLog.write_ocel_json`, see `omsim.eventlog_ocel`).

>>> import datetime
>>> from omsim.domain import DomainEvent, FieldChange, Related
>>> log = EventLog(datetime.datetime(2024, 11, 29, tzinfo=datetime.UTC))
>>> log.record(DomainEvent(
...     "Order Summary Created", 1.5,
...     objects=(Related("OS-000001", "OrderSummary", "created"),),
...     changes=(FieldChange("OS-000001", "OrderSummary", "Status", None, "Created"),),
... ))
0
>>> log.note("Order Delivered", 50.0, [("OS-000001", "OrderSummary", "order summary")])
1
>>> log.events()[["event_id", "activity", "order_summary_id"]].to_numpy().tolist()
[[0, 'Order Summary Created', 'OS-000001'], [1, 'Order Delivered', 'OS-000001']]
>>> str(log.events().timestamp[1])
'2024-12-01 02:00:00+00:00'
>>> changes = log.object_changes()
>>> changes[["object_id", "field", "new"]].to_numpy().tolist(), changes.old.isna().tolist()
([['OS-000001', 'Status', '"Created"']], [True])
"""

from __future__ import annotations

import datetime
import json
import math
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from omsim.domain.events import DomainEvent, FieldChange
from omsim.eventlog_ocel import write_ocel_json as _write_ocel_json

__all__ = ["TRACKED_FIELDS", "EventLog", "EventLogTables", "default_tracked_field"]

TRACKED_FIELDS: frozenset[str] = frozenset(
    {
        # OrderSummary: what the customer owes and how often routing was tried
        "GrandTotalAmount",
        "TotalAmount",
        "TotalTaxAmount",
        "RoutingAttempts",
        "IsSuspended",
        # Invoice, CreditMemo: open balance and how it was settled
        "Balance",
        "NetPaymentsApplied",
        "NetCreditsApplied",
        "AppliedToInvoices",
        # PaymentAuthorization, Payment, Refund, OrderPaymentSummary: money moving
        "Amount",
        "Captured",
        "NetApplied",
        "Refunded",
        "ExcessRefunded",
        "ReservedBalance",
    }
)
"""Money and counter fields kept in ``object_changes`` besides statuses and quantities.

Names are API names as `omsim.domain.events.api_name` makes them (``captured_cents`` ->
``Captured``), so money fields carry no ``Cents`` suffix; their values are in cents.
"""


def default_tracked_field(field: str) -> bool:
    """Whether ``object_changes`` keeps changes of the API field ``field``.

    Statuses (``Status``, ``StatusCategory``, ``...Status``), quantities (``Quantity...``,
    ``...Quantity``) and the money and counter fields in `TRACKED_FIELDS`; identifiers, numbers,
    dates and labels are left to the final-state record tables.

    >>> [default_tracked_field(f) for f in ("Status", "QuantityFulfilled", "RejectedQuantity")]
    [True, True, True]
    >>> [default_tracked_field(f) for f in ("Captured", "OrderNumber", "OrderSummaryId")]
    [True, False, False]
    """
    return (
        field.endswith("Status")
        or field == "StatusCategory"
        or field.startswith("Quantity")
        or field.endswith("Quantity")
        or field in TRACKED_FIELDS
    )


class _Json(str):
    """A value that was JSON-encoded when appended (anything but a plain scalar)."""


def _freeze(value: Any) -> Any:
    """A value safe to keep until the tables are built: a scalar, or its JSON text."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str | int | float):  # StrEnum, IntEnum: immutable, JSON as their value
        return value
    return _Json(json.dumps(value, default=str, sort_keys=True))


def _encode_all(values: list[Any], missing: str | None) -> list[str | None]:
    """JSON text of each kept value (``missing`` for None), memoised: values repeat a lot."""
    memo: dict[tuple[type, Any], str | None] = {(type(None), None): missing}
    out: list[str | None] = []
    for value in values:
        if type(value) is float:  # not memoised: 0.0 == -0.0 would share one entry
            out.append(json.dumps(value))
            continue
        key = (type(value), value)
        text = memo.get(key)
        if text is None and key not in memo:
            text = memo[key] = value if type(value) is _Json else json.dumps(value)
        out.append(text)
    return out


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return math.nan


def _number_or_none(value: Any) -> int | None:
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    return None


def _strings(values: list[Any]) -> pd.api.extensions.ExtensionArray:
    return pd.array(values, dtype="string")


def _category(values: list[str]) -> pd.Categorical:
    # Sorted categories: the same values give the same dictionary whatever their order.
    return pd.Categorical(values, categories=pd.Index(sorted(set(values)), dtype=str))


def _as_utc(start: datetime.datetime) -> datetime.datetime:
    if start.tzinfo is None:
        return start.replace(tzinfo=datetime.UTC)
    return start.astimezone(datetime.UTC)


@dataclass(frozen=True)
class EventLogTables:
    """The four tables of an event log, as built in memory or read back from a run folder."""

    events: pd.DataFrame
    event_objects: pd.DataFrame
    objects: pd.DataFrame
    object_changes: pd.DataFrame

    def as_dict(self) -> dict[str, pd.DataFrame]:
        """The tables by file stem (``events`` -> ``events.parquet``)."""
        return {
            "events": self.events,
            "event_objects": self.event_objects,
            "objects": self.objects,
            "object_changes": self.object_changes,
        }

    def write_ocel_json(self, path: Path) -> None:
        """Write the log as OCEL 2.0 JSON (see `omsim.eventlog_ocel.write_ocel_json`)."""
        _write_ocel_json(self, Path(path))


class EventLog:
    """Append-only, columnar, object-centric event log of one run.

    Parameters
    ----------
    start : datetime.datetime
        Wall-clock instant of simulation hour 0; a naive value is taken as UTC.
    tracked_fields : callable
        ``tracked_fields(api_field_name) -> bool`` selects the field changes kept in
        ``object_changes``; `default_tracked_field` by default.
    """

    def __init__(
        self,
        start: datetime.datetime,
        tracked_fields: Callable[[str], bool] = default_tracked_field,
    ) -> None:
        self.start = _as_utc(start)
        self._tracked_fields = tracked_fields
        self._tracked: dict[str, bool] = {}  # the filter's answer per field name, asked once
        # events
        self._time_hours = array("d")
        self._activity: list[str] = []
        self._order_summary_id: list[str | None] = []
        self._amount_cents: list[int | None] = []
        self._location_id: list[str | None] = []
        self._attributes: list[str] = []
        # event-to-object relations
        self._rel_event = array("q")
        self._rel_object: list[str] = []
        self._rel_type: list[str] = []
        self._rel_qualifier: list[str] = []
        # tracked field changes
        self._chg_event = array("q")
        self._chg_object: list[str] = []
        self._chg_type: list[str] = []
        self._chg_field: list[str] = []
        self._chg_old: list[Any] = []
        self._chg_new: list[Any] = []

    def __len__(self) -> int:
        return len(self._time_hours)

    def record(self, event: DomainEvent) -> int:
        """Append a domain event; returns its event id (0, 1, 2, ... in append order)."""
        return self._append(
            event.activity,
            event.at,
            ((r.object_id, r.object_type, r.qualifier) for r in event.objects),
            event.changes,
            event.attributes,
        )

    def record_all(self, events: Iterable[DomainEvent]) -> None:
        """Append every event of an action's result, in order."""
        for event in events:
            self.record(event)

    def note(
        self,
        activity: str,
        at: float,
        objects: Iterable[tuple[str, str, str]] = (),
        **attributes: Any,
    ) -> int:
        """Append an event the simulation observes itself (no record field changes).

        Parameters
        ----------
        activity : str
            Past-tense name, e.g. ``"Parcel Shipped"``.
        at : float
            Hours since the scenario start.
        objects : iterable of (object_id, object_type, qualifier)
            The records involved.
        **attributes
            Event-level values (``amount_cents``, ``location_id``, ``reason``, ...).

        Returns
        -------
        int
            The event id.
        """
        return self._append(activity, at, objects, (), attributes)

    def _append(
        self,
        activity: str,
        at: float,
        relations: Iterable[tuple[str, str, str]],
        changes: Iterable[FieldChange],
        attributes: dict[str, Any],
    ) -> int:
        # Encode first: if an attribute cannot be encoded nothing has been appended yet.
        attributes_json = (
            json.dumps(attributes, sort_keys=True, default=str) if attributes else "{}"
        )
        at = float(at)
        event_id = len(self._time_hours)
        order_summary_id = None
        for object_id, object_type, qualifier in relations:
            self._rel_event.append(event_id)
            self._rel_object.append(object_id)
            self._rel_type.append(object_type)
            self._rel_qualifier.append(qualifier)
            if order_summary_id is None and object_type == "OrderSummary":
                order_summary_id = object_id
        tracked = self._tracked
        for change in changes:
            keep = tracked.get(change.field)
            if keep is None:
                keep = tracked[change.field] = bool(self._tracked_fields(change.field))
            if keep:
                self._chg_event.append(event_id)
                self._chg_object.append(change.object_id)
                self._chg_type.append(change.object_type)
                self._chg_field.append(change.field)
                self._chg_old.append(_freeze(change.old))
                self._chg_new.append(_freeze(change.new))
        amount = attributes.get("amount_cents")
        location = attributes.get("location_id")
        self._time_hours.append(at)
        self._activity.append(activity)
        self._order_summary_id.append(order_summary_id)
        self._amount_cents.append(_number_or_none(amount))
        self._location_id.append(None if location is None else str(location))
        self._attributes.append(attributes_json)
        return event_id

    # tables -------------------------------------------------------------------------------

    def _hours(self) -> np.ndarray:
        return np.array(self._time_hours, dtype=np.float64)

    def events(self) -> pd.DataFrame:
        """One row per event.

        Columns: ``event_id`` (int64), ``time_hours`` (float64), ``timestamp``
        (datetime64[ns, UTC]: start + hours, to the microsecond), ``activity`` (category),
        ``order_summary_id`` (string: the first related OrderSummary, for fast filtering),
        ``amount_cents`` (Int64), ``location_id`` (string) and ``attributes`` (string: JSON of
        every attribute, keys sorted).
        """
        hours = self._hours()
        micros = np.rint(hours * 3_600_000_000.0).astype(np.int64)
        start_ns = pd.Timestamp(self.start).value
        stamps = pd.Series((start_ns + micros * 1000).astype("datetime64[ns]"))
        return pd.DataFrame(
            {
                "event_id": np.arange(len(hours), dtype=np.int64),
                "time_hours": hours,
                "timestamp": stamps.dt.tz_localize("UTC"),
                "activity": _category(self._activity),
                "order_summary_id": _strings(self._order_summary_id),
                "amount_cents": pd.array(self._amount_cents, dtype="Int64"),
                "location_id": _strings(self._location_id),
                "attributes": _strings(self._attributes),
            }
        )

    def event_objects(self) -> pd.DataFrame:
        """One row per (event, object, qualifier): ``event_id``, ``object_id``,
        ``object_type`` (category), ``qualifier`` (category). An object related under two
        qualifiers (``"order summary"`` and ``"updated"``) has two rows."""
        return pd.DataFrame(
            {
                "event_id": np.array(self._rel_event, dtype=np.int64),
                "object_id": _strings(self._rel_object),
                "object_type": _category(self._rel_type),
                "qualifier": _category(self._rel_qualifier),
            }
        )

    def objects(self) -> pd.DataFrame:
        """One row per distinct object, in order of first appearance: ``object_id``,
        ``object_type`` (category) and ``first_seen_hours`` (the earliest event involving or
        changing it)."""
        hours = self._hours()
        event_id = np.concatenate(
            [np.array(self._rel_event, dtype=np.int64), np.array(self._chg_event, dtype=np.int64)]
        )
        order = np.argsort(event_id, kind="stable")  # relations before changes within an event
        ids = np.array(self._rel_object + self._chg_object, dtype=object)[order]
        types = np.array(self._rel_type + self._chg_type, dtype=object)[order]
        seen = pd.DataFrame({"object_id": ids, "time_hours": hours[event_id[order]]})
        first_seen = seen.groupby("object_id", sort=False)["time_hours"].min()
        first = ~seen["object_id"].duplicated().to_numpy()
        return pd.DataFrame(
            {
                "object_id": _strings(ids[first].tolist()),
                "object_type": _category(types[first].tolist()),
                "first_seen_hours": first_seen.reindex(ids[first]).to_numpy(dtype=np.float64),
            }
        )

    def object_changes(self) -> pd.DataFrame:
        """One row per tracked field change: ``event_id``, ``time_hours``, ``object_id``,
        ``object_type``, ``field`` (API name), ``old`` (JSON text, None for a new record),
        ``new`` (JSON text) and ``new_number`` (float64: the new value when numeric, else NaN)."""
        event_id = np.array(self._chg_event, dtype=np.int64)
        return pd.DataFrame(
            {
                "event_id": event_id,
                "time_hours": self._hours()[event_id],
                "object_id": _strings(self._chg_object),
                "object_type": _category(self._chg_type),
                "field": _category(self._chg_field),
                "old": _strings(_encode_all(self._chg_old, missing=None)),
                "new": _strings(_encode_all(self._chg_new, missing="null")),
                "new_number": np.array([_number(v) for v in self._chg_new], dtype=np.float64),
            }
        )

    def tables(self) -> EventLogTables:
        """All four tables."""
        return EventLogTables(
            self.events(), self.event_objects(), self.objects(), self.object_changes()
        )

    # files --------------------------------------------------------------------------------

    def write_parquet(self, folder: Path) -> None:
        """Write ``events``, ``event_objects``, ``objects`` and ``object_changes`` ``.parquet``
        into ``folder``; identical appends give byte-identical files."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for stem, table in self.tables().as_dict().items():
            table.to_parquet(folder / f"{stem}.parquet", engine="pyarrow", index=False)

    def write_ocel_json(self, path: Path) -> None:
        """Write the log as OCEL 2.0 JSON (see `omsim.eventlog_ocel.write_ocel_json`)."""
        self.tables().write_ocel_json(Path(path))

    @classmethod
    def read_parquet(cls, folder: Path | str) -> EventLogTables:
        """Read the four tables back from a run folder written by `write_parquet`."""
        folder = Path(folder)
        frames = {
            stem: pd.read_parquet(folder / f"{stem}.parquet", engine="pyarrow")
            for stem in ("events", "event_objects", "objects", "object_changes")
        }
        return EventLogTables(**frames)
