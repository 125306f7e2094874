"""Final-state record tables: every Salesforce-shaped record as a row, as an org's data export.

One table per Salesforce object (``records/<Object>.parquet``), columns by API field name: the
record's stored scalar fields, then the formula fields in `DERIVED_FIELDS`. An order's rows are
taken when it is retired (it can no longer change) or at the end of the run, so a table is
written in retirement order. ``OrderState`` (``OrderSummaryId``, ``State``) says where every
Order Summary ended. Every object in `RECORD_TYPES` has its table, with its columns, even when
a run made none of its records.

Instants are written twice. The hours since the scenario start a record holds (``ordered_at``,
``invoice_date``) are in a float column named by its API name with ``Hours`` appended
(``OrderedAtHours``, ``InvoiceDateHours``). Given the run's ``start``, the same instant is also
written as Salesforce exports it, under Salesforce's field name: a UTC ``dateTime``
(``timestamp[ns, UTC]``, rounded to the microsecond like the event log's ``timestamp``) or, for
fields Salesforce types ``date``, the UTC calendar day (``date32``). The mapping (`INSTANT_FIELDS`):

* ``OrderSummary.ordered_at``: ``OrderedDate``
* ``Order.activated_at`` (original and change orders): ``OrderedDate``, ``ActivatedDate``,
  ``EffectiveDate`` (date)
* ``OrderDeliveryGroup`` and ``OrderDeliveryGroupSummary`` ``promised_delivery_at``:
  ``PromisedDeliveryDate``
* ``FulfillmentOrder``, ``ReturnOrder`` and ``ProcessException`` ``created_at``: ``CreatedDate``
* ``PaymentAuthorization.authorized_at``: ``Date``; ``expires_at``: ``ExpirationDate``
* ``PaymentAuthAdjustment.adjusted_at``: ``Date`` (its ``EffectiveDate`` is the same instant)
* ``Payment.captured_at``, ``Refund.refunded_at``: ``Date``
* ``Invoice.invoice_date``: ``InvoiceDate`` (date), ``CreatedDate``
* ``CreditMemo.credit_date``: ``CreditDate`` (date), ``CreatedDate``
* ``FulfillmentOrder.fulfilled_at``: ``FulfilledDate``; ``ReturnOrder.closed_at``:
  ``ClosedDate``; ``ProcessException.resolved_at``: ``ResolvedDate``

The last three are omsim's names: no standard Salesforce field holds these instants (an org
reads them from field history), so they are named like the others.

Any other float field named ``..._at`` or ``..._date`` is an instant too, written as
``<Stem>Date`` (``shipped_at`` -> ``ShippedDate``). Without a ``start`` only the hours columns
are written.

Given a folder, `RecordTables` streams: every ``rows_per_group`` rows of an object are written as
a Parquet row group and dropped from memory. Each object's Arrow schema comes from its record
class's type hints, so every row group of a file has the same columns and types (integers stay
integers, missing values are nulls).
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from operator import attrgetter
from pathlib import Path
from types import NoneType, UnionType
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from omsim.domain import (
    CreditMemo,
    FulfillmentOrder,
    FulfillmentOrderLineItem,
    Invoice,
    Order,
    OrderAdjustmentGroup,
    OrderAdjustmentGroupSummary,
    OrderDeliveryGroup,
    OrderDeliveryGroupSummary,
    OrderItem,
    OrderItemSummary,
    OrderItemSummaryChange,
    OrderItemSummaryRelationship,
    OrderPaymentSummary,
    OrderSummary,
    Payment,
    PaymentAuthAdjustment,
    PaymentAuthorization,
    ProcessException,
    Refund,
    ReturnOrder,
    ReturnOrderLineItem,
)
from omsim.domain.events import _exported, api_name

__all__ = [
    "DERIVED_FIELDS",
    "INSTANT_FIELDS",
    "RECORD_TYPES",
    "RecordTables",
    "record_tables",
    "records_of",
]

RECORD_TYPES: tuple[type, ...] = (
    OrderSummary,
    OrderItemSummary,
    OrderDeliveryGroupSummary,
    OrderItemSummaryChange,
    OrderItemSummaryRelationship,
    OrderAdjustmentGroupSummary,
    Order,
    OrderItem,
    OrderDeliveryGroup,
    OrderAdjustmentGroup,
    FulfillmentOrder,
    FulfillmentOrderLineItem,
    ReturnOrder,
    ReturnOrderLineItem,
    OrderPaymentSummary,
    PaymentAuthorization,
    PaymentAuthAdjustment,
    Payment,
    Refund,
    Invoice,
    CreditMemo,
    ProcessException,
)
"""Every record type `records_of` yields: each has its table in every run, rows or not."""

DERIVED_FIELDS: dict[str, tuple[str, ...]] = {
    "OrderSummary": ("active_process_exception_count", "original_order_id"),
    "OrderItemSummary": (
        "type_code",
        "quantity",
        "quantity_net_ordered",
        "quantity_available_to_fulfill",
        "quantity_available_to_cancel",
        "quantity_available_to_return",
        "quantity_available_to_reship",
        "total_price_cents",
        "total_amt_with_tax_cents",
        "total_line_tax_amount_cents",
        "total_line_adjustment_amount_cents",
    ),
    "FulfillmentOrder": (
        "status_category",
        "type_category",
        "item_count",
        "total_product_amount_cents",
        "total_delivery_amount_cents",
        "total_fee_amount_cents",
        "total_adjustment_amount_cents",
        "total_amount_cents",
        "total_tax_amount_cents",
        "grand_total_amount_cents",
    ),
    "FulfillmentOrderLineItem": ("total_price_cents",),
    "ReturnOrder": ("status_category",),
    "ReturnOrderLineItem": ("total_line_amount_cents", "total_price_cents", "total_amount_cents"),
    "ProcessException": ("status_category",),
    "OrderPaymentSummary": (
        "authorization_amount_cents",
        "authorization_reversal_amount_cents",
        "captured_amount_cents",
        "refunded_amount_cents",
        "balance_amount_cents",
        "available_to_refund_cents",
    ),
    "PaymentAuthorization": ("balance_cents",),
    "Payment": ("balance_cents",),
    "Invoice": ("total_amount_with_tax_cents",),
    "CreditMemo": ("total_amount_with_tax_cents",),
    "Order": ("total_amount_cents", "total_tax_amount_cents", "grand_total_amount_cents"),
    "OrderItem": ("total_price_cents",),
}
"""Formula fields exported beside the stored ones, as an org's data export shows them."""

INSTANT_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "OrderSummary": {"ordered_at": ("OrderedDate",)},
    "Order": {"activated_at": ("OrderedDate", "ActivatedDate", "EffectiveDate")},
    "OrderDeliveryGroup": {"promised_delivery_at": ("PromisedDeliveryDate",)},
    "OrderDeliveryGroupSummary": {"promised_delivery_at": ("PromisedDeliveryDate",)},
    "FulfillmentOrder": {"created_at": ("CreatedDate",), "fulfilled_at": ("FulfilledDate",)},
    "ReturnOrder": {"created_at": ("CreatedDate",), "closed_at": ("ClosedDate",)},
    "ProcessException": {"created_at": ("CreatedDate",), "resolved_at": ("ResolvedDate",)},
    "PaymentAuthorization": {"authorized_at": ("Date",), "expires_at": ("ExpirationDate",)},
    "PaymentAuthAdjustment": {"adjusted_at": ("Date",)},
    "Payment": {"captured_at": ("Date",)},
    "Refund": {"refunded_at": ("Date",)},
    "Invoice": {"invoice_date": ("InvoiceDate", "CreatedDate")},
    "CreditMemo": {"credit_date": ("CreditDate", "CreatedDate")},
}
"""Salesforce field names of each record's instants (hours since the start), by object."""

DATE_FIELDS: frozenset[str] = frozenset({"EffectiveDate", "InvoiceDate", "CreditDate"})
"""Fields Salesforce types ``date`` (a calendar day, UTC here) rather than ``dateTime``."""

HOURS_SUFFIX = "Hours"
"""Appended to an instant's API name for its hours-since-the-start column."""

STATE_TABLE = "OrderState"


def records_of(summary: OrderSummary) -> Iterator[Any]:
    """Every record of an order: the summary, its lines and groups, the original Order and
    change orders, fulfillment and return orders, payments, invoices, credit memos, exceptions."""
    yield summary
    yield from summary.items
    yield from summary.delivery_groups
    yield from summary.item_changes
    yield from summary.item_relationships
    yield from summary.adjustment_groups
    for order in (summary.original_order, *summary.change_orders):
        yield order
        yield from order.items
        yield from order.delivery_groups
        yield from order.adjustment_groups
    for fo in summary.fulfillment_orders:
        yield fo
        yield from fo.lines
    for ro in summary.return_orders:
        yield ro
        yield from ro.lines
    for ops in summary.payment_summaries:
        yield ops
        yield from ops.authorizations
        yield from ops.auth_adjustments
        yield from ops.payments
        yield from ops.refunds
    yield from summary.invoices
    yield from summary.credit_memos
    yield from summary.process_exceptions


_ARROW = {int: pa.int64(), float: pa.float64(), str: pa.large_string(), bool: pa.bool_()}

Column = Callable[[Sequence[Any], pa.DataType], pa.Array]
"""Builds one column's Arrow array from its raw values."""


def _plain(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    return pa.array(values, type=kind)


def _text(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    """Enums and decimals as their text."""
    return pa.array([None if v is None else str(v) for v in values], type=kind)


def _arrow_type(hint: Any) -> tuple[pa.DataType, Column] | None:
    """Arrow type of a field's type hint and the builder of its column; None for children."""
    if isinstance(hint, UnionType) or typing.get_origin(hint) is typing.Union:
        kinds = [h for h in typing.get_args(hint) if h is not NoneType]
        return _arrow_type(kinds[0]) if len(kinds) == 1 else None
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return pa.large_string(), _text
    if hint is Decimal:
        return pa.large_string(), _text
    if hint in _ARROW:
        return _ARROW[hint], _plain
    return None  # lists, tuples and records of children: rows of their own


_TIMESTAMP = pa.timestamp("ns", tz="UTC")


def _instants(start_ns: int) -> Column:
    """Hours since the start as UTC instants, rounded to the microsecond (as the event log)."""

    def build(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
        micros = pc.round(pc.multiply(pa.array(values, type=pa.float64()), 3_600_000_000.0))
        ns = pc.add(pc.multiply(pc.cast(micros, pa.int64()), 1000), start_ns)
        return pc.cast(pc.cast(ns, _TIMESTAMP), kind)

    return build


def _is_instant(attribute: str, hint: Any) -> bool:
    """Hours since the start, by the naming rule: a float named ``..._at`` or ``..._date``."""
    kind = _arrow_type(hint)
    return attribute.endswith(("_at", "_date")) and kind is not None and kind[0] == pa.float64()


def _salesforce_names(record_name: str, attribute: str) -> tuple[str, ...]:
    """Salesforce fields of an instant: `INSTANT_FIELDS`, else ``<Stem>Date``."""
    known = INSTANT_FIELDS.get(record_name, {}).get(attribute)
    if known is not None:
        return known
    return (api_name(attribute).removesuffix("At").removesuffix("Date") + "Date",)


def _utc_ns(start: datetime) -> int:
    """Nanoseconds since the epoch of ``start``; a naive value is taken as UTC."""
    start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    return int(pd.Timestamp(start).value)


@cache
def _layout(
    record_type: type, start_ns: int | None = None
) -> tuple[tuple[str, ...], tuple[Column, ...], pa.Schema]:
    """(attributes, column builders, schema) of a record type's row: stored fields (each instant
    as Salesforce's fields when ``start_ns`` is given, then its hours), then formulas."""
    hints = typing.get_type_hints(record_type)
    attributes: list[str] = []
    conversions: list[Column] = []
    fields: list[pa.Field] = []
    for attribute, name in _exported(record_type):
        kind = _arrow_type(hints[attribute])
        if kind is None:
            continue
        if _is_instant(attribute, hints[attribute]):
            if start_ns is not None:
                for field in _salesforce_names(record_type.__name__, attribute):
                    attributes.append(attribute)
                    conversions.append(_instants(start_ns))
                    fields.append(
                        pa.field(field, pa.date32() if field in DATE_FIELDS else _TIMESTAMP)
                    )
            name += HOURS_SUFFIX
        attributes.append(attribute)
        conversions.append(kind[1])
        fields.append(pa.field(name, kind[0]))
    for attribute in DERIVED_FIELDS.get(record_type.__name__, ()):
        member = getattr(record_type, attribute)
        getter = member.fget if isinstance(member, property) else member
        kind = _arrow_type(typing.get_type_hints(getter)["return"])
        if kind is None:
            raise TypeError(f"{record_type.__name__}.{attribute}: no column type for its hint")
        attributes.append(attribute)
        conversions.append(kind[1])
        fields.append(pa.field(api_name(attribute), kind[0]))
    return tuple(attributes), tuple(conversions), pa.schema(fields)


_STATE_SCHEMA = pa.schema([("OrderSummaryId", pa.large_string()), ("State", pa.large_string())])


class _Buffer:
    """Rows of one object not yet written, as tuples of raw values (converted per column when
    the table is built: one ``attrgetter`` call per record on the hot path)."""

    __slots__ = ("conversions", "get", "rows", "schema")

    def __init__(
        self, attributes: tuple[str, ...], conversions: tuple[Column, ...], schema: pa.Schema
    ) -> None:
        self.get = attrgetter(*attributes) if len(attributes) > 1 else _one(attributes[0])
        self.conversions = conversions
        self.schema = schema
        self.rows: list[tuple[Any, ...]] = []

    def add(self, record: Any) -> None:
        self.rows.append(self.get(record))

    def table(self) -> pa.Table:
        columns = list(zip(*self.rows, strict=True)) if self.rows else [()] * len(self.schema)
        arrays = [
            build(column, field.type)
            for column, build, field in zip(columns, self.conversions, self.schema, strict=True)
        ]
        self.rows = []
        return pa.Table.from_arrays(arrays, schema=self.schema)


def _one(attribute: str) -> Callable[[Any], tuple[Any, ...]]:
    get = attrgetter(attribute)
    return lambda record: (get(record),)


class RecordTables:
    """The final-state rows of retired orders, by Salesforce object.

    Parameters
    ----------
    folder : Path, optional
        Stream to ``folder/<Object>.parquet`` (created when missing); in memory when None.
    rows_per_group : int
        Rows of one object per streamed row group.
    start : datetime, optional
        Wall-clock instant of simulation hour 0 (the scenario's ``start``; naive is UTC). Given,
        every instant is also written as Salesforce's UTC date or datetime fields (module
        docstring); None writes only the hours columns.
    """

    def __init__(
        self,
        folder: Path | str | None = None,
        rows_per_group: int = 20_000,
        *,
        start: datetime | None = None,
    ) -> None:
        self._folder = None if folder is None else Path(folder)
        self._rows_per_group = rows_per_group
        self.start = start
        self._start_ns = None if start is None else _utc_ns(start)
        record_types: Any = RECORD_TYPES  # classes are hashable; typeshed's type is not
        self._buffers: dict[str, _Buffer] = {
            t.__name__: _Buffer(*_layout(t, self._start_ns)) for t in record_types
        }
        self._done: dict[str, list[pa.Table]] = {}  # in memory: the tables of earlier groups
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._states = _Buffer(("id", "state"), (_plain, _plain), _STATE_SCHEMA)  # of tuples
        self._closed = False
        self.orders = 0

    def add(self, summary: OrderSummary, state: str) -> None:
        """Take the rows of every record of an order that can no longer change."""
        if self._closed:  # its rows would be buffered and never written
            raise RuntimeError("the record tables were closed: their files are written")
        buffers = self._buffers
        for record in records_of(summary):
            name = type(record).__name__
            buffer = buffers.get(name)
            if buffer is None:
                record_type: Any = type(record)  # classes are hashable; typeshed's type is not
                buffer = buffers[name] = _Buffer(*_layout(record_type, self._start_ns))
            buffer.rows.append(buffer.get(record))
            if len(buffer.rows) >= self._rows_per_group:
                self._write(name, buffer.table())
        self._states.rows.append((summary.id, state))
        if len(self._states.rows) >= self._rows_per_group:
            self._write(STATE_TABLE, self._states.table())
        self.orders += 1

    def _write(self, name: str, table: pa.Table) -> None:
        if self._folder is None:
            self._done.setdefault(name, []).append(table)
            return
        writer = self._writers.get(name)
        if writer is None:
            self._folder.mkdir(parents=True, exist_ok=True)
            writer = self._writers[name] = pq.ParquetWriter(
                self._folder / f"{name}.parquet", table.schema
            )
        writer.write_table(table)

    def _written(self, name: str) -> bool:
        return name in self._writers or name in self._done

    def _drain(self) -> None:
        """Write what is buffered; a table never written yet is written empty, with its schema."""
        for name, buffer in sorted(self._buffers.items()):
            if buffer.rows or not self._written(name):
                self._write(name, buffer.table())
        if self._states.rows or not self._written(STATE_TABLE):
            self._write(STATE_TABLE, self._states.table())

    def close(self) -> None:
        """Write what is buffered and close the streamed files."""
        if self._closed:
            return
        self._drain()
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
        self._closed = True

    def arrow(self) -> dict[str, pa.Table]:
        """Every table as Arrow (in memory), by object name, sorted."""
        if self._folder is not None:
            raise RuntimeError("streamed record tables are in their files: read them there")
        self._drain()
        return {name: pa.concat_tables(parts) for name, parts in sorted(self._done.items())}

    def write(self, folder: Path | str) -> None:
        """Write the in-memory tables as ``folder/<Object>.parquet``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in self.arrow().items():
            pq.write_table(table, folder / f"{name}.parquet")


def record_tables(
    summaries: list[OrderSummary], *, start: datetime | None = None
) -> dict[str, pd.DataFrame]:
    """Every record of ``summaries`` by Salesforce object, one DataFrame each (columns by API
    field name, instants as in `RecordTables` with ``start``); ``OrderState`` is left out, as
    these summaries carry no end state."""
    tables = RecordTables(start=start)
    for summary in summaries:
        tables.add(summary, "")
    return {
        name: table.to_pandas() for name, table in tables.arrow().items() if name != STATE_TABLE
    }
