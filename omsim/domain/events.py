"""Domain events: what an action did, as the single source for the event log.

Every action returns a list of `DomainEvent`. An event names its activity the way an admin reads
it ("Fulfillment Order Created"), its time (hours since the scenario start), every record involved
with its role (qualifier), and every field it changed with old and new values under the record's
Salesforce API field name. The event log (a later layer) stores these columns and nothing else, so
there is no second source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

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
        "TotalAuthReversalAmount",
        "NetApplied",
        "Refunded",
        "ExcessRefunded",
        "ReservedBalance",
        # ReturnOrder: exchange credit still held for its exchange
        "ExchangeCredit",
    }
)
"""Money and counter fields the event log follows over time besides statuses and quantities.

Names are API names as `api_name` makes them (``captured_cents`` -> ``Captured``), so money
fields carry no ``Cents`` suffix; their values are in cents.
"""


@cache
def is_tracked_field(field: str) -> bool:
    """Whether the event log follows changes of the API field ``field`` over time.

    Statuses (``Status``, ``StatusCategory``, ``...Status``), quantities (``Quantity...``,
    ``...Quantity``) and the money and counter fields in `TRACKED_FIELDS`; identifiers, numbers,
    dates and labels are left to the final-state record tables.

    >>> [is_tracked_field(f) for f in ("Status", "QuantityFulfilled", "RejectedQuantity")]
    [True, True, True]
    >>> [is_tracked_field(f) for f in ("Captured", "OrderNumber", "OrderSummaryId")]
    [True, False, False]
    """
    return (
        field.endswith("Status")
        or field == "StatusCategory"
        or field.startswith("Quantity")
        or field.endswith("Quantity")
        or field in TRACKED_FIELDS
    )


@cache
def api_name(attribute: str) -> str:
    """Salesforce API field name of a record attribute.

    >>> api_name("quantity_return_initiated"), api_name("grand_total_amount_cents")
    ('QuantityReturnInitiated', 'GrandTotalAmount')
    >>> api_name("order_summary_id"), api_name("is_reship")
    ('OrderSummaryId', 'IsReship')
    """
    stem = attribute.removesuffix("_cents")
    return "".join(part[:1].upper() + part[1:] for part in stem.split("_"))


class Related(NamedTuple):
    """A record involved in an event, with its role (OCEL 2.0 qualifier).

    A named tuple rather than a frozen dataclass: dozens are built per order on the hot path.
    """

    object_id: str
    object_type: str
    qualifier: str


class FieldChange(NamedTuple):
    """One field of one record changed by an event; ``field`` is the API name."""

    object_id: str
    object_type: str
    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One fact that happened to the order records.

    Attributes
    ----------
    activity : str
        Past-tense name as an admin reads it, e.g. ``"Payment Captured"``.
    at : float
        Simulation time in hours since the scenario start.
    objects : tuple of Related
        Every record involved, each with its qualifier (``"order summary"``, ``"created"``, ...).
    changes : tuple of FieldChange
        Every field changed, with old and new values; a created record lists the initial values
        of its tracked fields (`is_tracked_field`) with ``old=None``: its other fields are in its
        final-state row, and building a change for each was most of the cost of an event.
    attributes : dict
        Event-level values such as ``amount_cents`` or ``reason``.
    """

    activity: str
    at: float
    objects: tuple[Related, ...]
    changes: tuple[FieldChange, ...]
    attributes: dict[str, Any] = field(default_factory=dict)

    def object_ids(self, qualifier: str | None = None) -> list[str]:
        """Ids of the related records, optionally only those with ``qualifier``."""
        return [r.object_id for r in self.objects if qualifier is None or r.qualifier == qualifier]


_PLAIN = frozenset({int, float, str, bool, type(None)})
_new = tuple.__new__
"""Builds a named tuple from a tuple without the keyword-handling ``__new__`` (hot path)."""


@cache
def _exported(record_type: type) -> tuple[tuple[str, str], ...]:
    """(attribute, API name) of a record type's own fields, private and hidden ones left out."""
    return tuple(
        (f.name, api_name(f.name))
        for f in fields(record_type)
        if f.repr and not f.name.startswith("_")
    )


@cache
def _tracked_attributes(record_type: type) -> tuple[tuple[str, str], ...]:
    """(attribute, API name) of a record type's exported fields the event log tracks.

    A record type's ``ROLL_UPS`` (attribute names) are left out: roll-ups of other records'
    money (a delivery group's totals, a fulfillment or return order line's share), written
    without a field change, are in the final-state records only.
    """
    roll_ups: frozenset[str] = getattr(record_type, "ROLL_UPS", frozenset())
    return tuple(
        (a, name)
        for a, name in _exported(record_type)
        if is_tracked_field(name) and a not in roll_ups
    )


def scalar_fields(record: Any) -> dict[str, Any]:
    """A record's own scalar fields by API name (lists of children and private fields left out).

    This is the row a record contributes to ``records/<Object>.parquet``.
    """
    row: dict[str, Any] = {}
    record_type: Any = type(record)  # classes are hashable; typeshed's type[Any] is not
    for attribute, name in _exported(record_type):
        value = getattr(record, attribute)
        if type(value) in _PLAIN:
            row[name] = value
        elif isinstance(value, Decimal):
            row[name] = str(value)
        elif not (isinstance(value, list | tuple | dict) or is_dataclass(value)):
            row[name] = value  # enums and other scalars; children are rows of their own
    return row


class ChangeSet:
    """Collects the records and field changes of one event while an action applies it.

    Actions check every guardrail first, then mutate records only through `set`, `add` and
    `created`, so each change is recorded exactly once.
    """

    def __init__(self) -> None:
        self._objects: dict[tuple[str, str], Related] = {}
        self._changes: list[FieldChange] = []

    def involve(self, record: Any, qualifier: str) -> None:
        """Relate ``record`` to the event under ``qualifier`` (first qualifier wins)."""
        key = (record.id, qualifier)
        if key not in self._objects:
            self._objects[key] = Related(record.id, type(record).__name__, qualifier)

    def set(self, record: Any, attribute: str, value: Any) -> None:
        """Set a field and record the change (nothing is recorded when it is unchanged)."""
        old = getattr(record, attribute)
        if old == value:
            return
        setattr(record, attribute, value)
        record_id, object_type = record.id, type(record).__name__
        self._changes.append(
            _new(FieldChange, (record_id, object_type, api_name(attribute), old, value))
        )
        key = (record_id, "updated")
        if key not in self._objects:
            self._objects[key] = _new(Related, (record_id, object_type, "updated"))

    def add(self, record: Any, attribute: str, delta: int) -> None:
        """Add ``delta`` to a numeric field."""
        self.set(record, attribute, getattr(record, attribute) + delta)

    def created(self, record: Any, qualifier: str = "created") -> None:
        """Record a new record with the initial values of its tracked fields (not None)."""
        record_type: Any = type(record)  # classes are hashable; typeshed's type[Any] is not
        object_type = record_type.__name__
        record_id = record.id
        key = (record_id, qualifier)
        if key not in self._objects:
            self._objects[key] = _new(Related, (record_id, object_type, qualifier))
        append = self._changes.append
        for attribute, name in _tracked_attributes(record_type):
            value = getattr(record, attribute)
            if value is not None:
                append(_new(FieldChange, (record_id, object_type, name, None, value)))

    @property
    def empty(self) -> bool:
        return not self._changes

    def event(self, activity: str, at: float, **attributes: Any) -> DomainEvent:
        """Freeze what was collected into a `DomainEvent` and start afresh."""
        event = DomainEvent(
            activity=activity,
            at=at,
            objects=tuple(self._objects.values()),
            changes=tuple(self._changes),
            attributes=attributes,
        )
        self._objects = {}
        self._changes = []
        return event
