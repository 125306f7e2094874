"""What an admin would see change between two steps: every record's fields, before and after.

A snapshot maps each record of some Order Summaries (`omsim.recordtables.records_of`) to its
fields by Salesforce API name: the stored fields (`omsim.domain.events.scalar_fields`) and the
formula fields the record tables export (``QuantityAvailableToCancel``, ``Balance`` ...). Two
snapshots give the changes (record, field, before, after) and the records that are new.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

import pandas as pd

from omsim.domain import OrderSummary
from omsim.domain.events import api_name, scalar_fields
from omsim.recordtables import DERIVED_FIELDS, records_of

Snapshot = dict[tuple[str, str], dict[str, Any]]
"""(object type, record id) -> {API field name: value}."""

CHANGE_COLUMNS = ["object_type", "record_id", "field", "before", "after"]
NEW_COLUMNS = ["object_type", "record_id", "status"]


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def record_fields(record: Any) -> dict[str, Any]:
    """A record's stored and formula fields by API name; enums as their picklist value."""
    row = {name: _plain(value) for name, value in scalar_fields(record).items()}
    for attribute in DERIVED_FIELDS.get(type(record).__name__, ()):
        row[api_name(attribute)] = _plain(getattr(record, attribute))
    return row


def take(summaries: Iterable[OrderSummary]) -> Snapshot:
    """Every record of ``summaries`` with its fields now."""
    return {
        (type(record).__name__, record.id): record_fields(record)
        for summary in summaries
        for record in records_of(summary)
    }


def changes(before: Snapshot, after: Snapshot) -> pd.DataFrame:
    """One row per field of an existing record whose value changed, in record order."""
    rows = [
        (object_type, record_id, field, old.get(field), value)
        for (object_type, record_id), fields in after.items()
        if (old := before.get((object_type, record_id))) is not None
        for field, value in fields.items()
        if old.get(field) != value
    ]
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def new_records(before: Snapshot, after: Snapshot) -> pd.DataFrame:
    """One row per record that did not exist before, with its status when it has one."""
    rows = [
        (object_type, record_id, fields.get("Status", ""))
        for (object_type, record_id), fields in after.items()
        if (object_type, record_id) not in before
    ]
    return pd.DataFrame(rows, columns=NEW_COLUMNS)
