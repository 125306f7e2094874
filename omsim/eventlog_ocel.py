"""OCEL 2.0 JSON export of the event log (standard library ``json`` only).

The JSON form of OCEL 2.0 (ocel-standard.org; arXiv 2403.01975) has four arrays:

* ``objectTypes`` and ``eventTypes``: ``{name, attributes: [{name, type}]}``, ``type`` one of
  ``string``, ``integer``, ``float``, ``boolean``;
* ``objects``: ``{id, type, attributes: [{name, time, value}], relationships: []}``, the
  attribute values over time taken from ``object_changes`` (the tracked fields), the first
  entry of each attribute being its value when the record was created;
* ``events``: ``{id, type, time, attributes: [{name, value}], relationships: [{objectId,
  qualifier}]}``, the attributes being the scalar values of the ``attributes`` JSON column.

Event ids are the log's event ids as text; times are ISO 8601 in UTC (``...Z``), to the
microsecond. An attribute whose values mix types is declared ``float`` when they are all numbers,
else ``string`` (values written as text). Non-scalar and missing event attributes are left out.

Reading it with pm4py (``pm4py.read_ocel2_json``) keeps one relation per (event, object), with
the last qualifier listed, drops events and objects without any relation, and keeps the first
value of each object attribute as the object's static value, the later ones as its changes.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omsim.eventlog import EventLogTables

__all__ = ["ocel_type", "write_ocel_json"]


def _dumps(item: Any) -> str:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return None


def ocel_type(values: Iterable[Any]) -> str:
    """OCEL 2.0 attribute type of a set of values (``None`` values ignored).

    >>> ocel_type([1, 2]), ocel_type([1, 2.5, None]), ocel_type([True]), ocel_type(["a", 1])
    ('integer', 'float', 'boolean', 'string')
    >>> ocel_type([None])
    'string'
    """
    kinds = {_kind(v) for v in values if v is not None}
    if len(kinds) == 1:
        return kinds.pop()  # type: ignore[return-value]
    if kinds == {"integer", "float"}:
        return "float"
    return "string"


def _clean(value: Any) -> Any:
    """A JSON scalar, or None for anything else (NaN and infinities included)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if _kind(value) is not None else None


def _as_type(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "float":
        return float(value)
    if kind == "string" and not isinstance(value, str):
        return json.dumps(value)
    return value


def _declare(values: dict[str, dict[str, list[Any]]]) -> tuple[list[dict], dict[str, dict]]:
    """``objectTypes``/``eventTypes`` entries and each attribute's type, names sorted."""
    declared, kinds = [], {}
    for name in sorted(values):
        kinds[name] = {attr: ocel_type(vs) for attr, vs in sorted(values[name].items())}
        declared.append(
            {
                "name": name,
                "attributes": [{"name": a, "type": t} for a, t in kinds[name].items()],
            }
        )
    return declared, kinds


def _write_array(f: Any, key: str, items: Iterable[dict], first: bool = False) -> None:
    f.write(("{" if first else ",\n") + json.dumps(key) + ":[")
    for i, item in enumerate(items):
        f.write(("\n" if i == 0 else ",\n") + _dumps(item))
    f.write("]")


def write_ocel_json(tables: EventLogTables, path: Path) -> None:
    """Write an event log's tables as an OCEL 2.0 JSON file.

    Parameters
    ----------
    tables : EventLogTables
        From `omsim.eventlog.EventLog.tables` or `omsim.eventlog.EventLog.read_parquet`.
    path : Path
        The ``.json`` file to write (UTF-8, one object or event per line).
    """
    ev, rel, obj, chg = tables.events, tables.event_objects, tables.objects, tables.object_changes
    event_ids = ev["event_id"].tolist()
    stamps = ev["timestamp"].dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").tolist()
    time_of = dict(zip(event_ids, stamps, strict=True))
    activities = [str(a) for a in ev["activity"].tolist()]

    # event attributes: scalar values only
    event_attrs: list[dict[str, Any]] = []
    event_values: dict[str, dict[str, list[Any]]] = {a: {} for a in activities}
    for activity, text in zip(activities, ev["attributes"].tolist(), strict=True):
        attrs = {k: c for k, v in json.loads(text).items() if (c := _clean(v)) is not None}
        event_attrs.append(attrs)
        for k, v in attrs.items():
            event_values[activity].setdefault(k, []).append(v)
    event_types, event_kinds = _declare(event_values)

    relationships: dict[int, list[dict[str, str]]] = defaultdict(list)
    for event_id, object_id, qualifier in zip(
        rel["event_id"].tolist(), rel["object_id"].tolist(), rel["qualifier"].tolist(), strict=True
    ):
        relationships[event_id].append({"objectId": object_id, "qualifier": str(qualifier)})

    # object attributes over time: the tracked field changes, in log order
    object_types = [str(t) for t in obj["object_type"].tolist()]
    object_values: dict[str, dict[str, list[Any]]] = {t: {} for t in object_types}
    history: dict[str, list[tuple[str, str, Any]]] = defaultdict(list)
    for event_id, object_id, object_type, field, new in zip(
        chg["event_id"].tolist(),
        chg["object_id"].tolist(),
        chg["object_type"].tolist(),
        chg["field"].tolist(),
        chg["new"].tolist(),
        strict=True,
    ):
        value = _clean(json.loads(new))
        history[object_id].append((str(field), time_of[event_id], value))
        object_values.setdefault(str(object_type), {}).setdefault(str(field), []).append(value)
    object_type_entries, object_kinds = _declare(object_values)

    def objects() -> Iterable[dict]:
        for object_id, object_type in zip(obj["object_id"].tolist(), object_types, strict=True):
            kinds = object_kinds[object_type]
            yield {
                "id": object_id,
                "type": object_type,
                "attributes": [
                    {"name": name, "time": time, "value": _as_type(value, kinds[name])}
                    for name, time, value in history.get(object_id, ())
                ],
                "relationships": [],
            }

    def events() -> Iterable[dict]:
        for event_id, activity, attrs in zip(event_ids, activities, event_attrs, strict=True):
            kinds = event_kinds[activity]
            yield {
                "id": str(event_id),
                "type": activity,
                "time": time_of[event_id],
                "attributes": [
                    {"name": k, "value": _as_type(v, kinds[k])} for k, v in sorted(attrs.items())
                ],
                "relationships": relationships.get(event_id, []),
            }

    with Path(path).open("w", encoding="utf-8") as f:
        _write_array(f, "objectTypes", object_type_entries, first=True)
        _write_array(f, "eventTypes", event_types)
        _write_array(f, "objects", objects())
        _write_array(f, "events", events())
        f.write("}\n")
