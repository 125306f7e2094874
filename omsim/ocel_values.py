"""OCEL 2.0 attribute types and values: how the log's JSON values become OCEL attributes.

An OCEL 2.0 attribute is declared once per event or object type with one of the types
``string``, ``integer``, ``float`` and ``boolean``. The log keeps values as JSON (the event
``attributes`` column, the ``new`` column of ``object_changes``); this module decides each
attribute's type from the kinds of value seen and converts each value to it:

* a value that is not a JSON scalar (a list, an object, NaN or an infinity) is missing;
* an attribute whose values are all integers is ``integer``; integers and floats mixed make
  ``float``; any other mix makes ``string``, the non-text values written as their JSON text.

Both exporters (`omsim.ocel_json`, `omsim.ocel_sqlite`) use these rules, so the JSON file and
the SQLite file carry the same values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "KINDS",
    "SQL_TYPES",
    "as_type",
    "clean",
    "codes",
    "combine_kinds",
    "concat",
    "distinct_pairs",
    "dumps",
    "json_quote",
    "kind_of",
    "ocel_type",
]

KINDS: tuple[str, ...] = ("string", "integer", "float", "boolean")
"""The OCEL 2.0 attribute types, in the order of their integer codes."""

SQL_TYPES: dict[str, str] = {
    "string": "TEXT",
    "integer": "INTEGER",
    "float": "REAL",
    "boolean": "BOOLEAN",
}
"""Column type of each OCEL attribute type in the SQLite format (ocel-standard.org)."""

_TEXT = pa.large_string()
_NEEDS_ESCAPE = r'["\\\x00-\x1f]'  # what json.dumps(..., ensure_ascii=False) escapes


def dumps(item: Any) -> str:
    """Compact JSON text, non-ASCII kept as is, NaN refused.

    >>> dumps({"name": "Status", "value": "Créé"})
    '{"name":"Status","value":"Créé"}'
    """
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def kind_of(value: Any) -> str | None:
    """OCEL 2.0 type of one JSON scalar, None for anything else.

    >>> kind_of(True), kind_of(3), kind_of(2.5), kind_of("a"), kind_of(None), kind_of([1])
    ('boolean', 'integer', 'float', 'string', None, None)
    """
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return None


def combine_kinds(kinds: Iterable[str | None]) -> str:
    """OCEL 2.0 type of an attribute whose values have these kinds (None ignored).

    >>> combine_kinds({"integer"}), combine_kinds({"integer", "float"}), combine_kinds(set())
    ('integer', 'float', 'string')
    >>> combine_kinds({"boolean", "integer"})
    'string'
    """
    seen = {k for k in kinds if k is not None}
    if len(seen) == 1:
        return seen.pop()
    if seen == {"integer", "float"}:
        return "float"
    return "string"


def ocel_type(values: Iterable[Any]) -> str:
    """OCEL 2.0 attribute type of a set of values (``None`` values ignored).

    >>> ocel_type([1, 2]), ocel_type([1, 2.5, None]), ocel_type([True]), ocel_type(["a", 1])
    ('integer', 'float', 'boolean', 'string')
    >>> ocel_type([None])
    'string'
    """
    return combine_kinds(kind_of(v) for v in values)


def clean(value: Any) -> Any:
    """A JSON scalar, or None for anything else (NaN and infinities included).

    >>> clean(3), clean(float("nan")), clean({"a": 1})
    (3, None, None)
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if kind_of(value) is not None else None


def as_type(value: Any, kind: str) -> Any:
    """A clean value converted to its attribute's declared type (None stays None).

    >>> as_type(3, "float"), as_type(True, "string"), as_type(4, "string"), as_type("x", "string")
    (3.0, 'true', '4', 'x')
    """
    if value is None:
        return None
    if kind == "float":
        return float(value)
    if kind == "string" and not isinstance(value, str):
        return json.dumps(value)
    return value


def concat(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of text arrays and literal strings, as ``large_string``.

    >>> concat("<", pa.array(["a", "b"]), ">").to_pylist()
    ['<a>', '<b>']
    """
    args = [
        pa.scalar(p, _TEXT) if isinstance(p, str) else pc.cast(p, _TEXT, safe=False) for p in parts
    ]
    return pc.binary_join_element_wise(*args, pa.scalar("", _TEXT))


def json_quote(strings: pa.Array) -> pa.Array:
    """JSON string literals of a text array, as `dumps` writes them; a null becomes ``null``.

    Plain text is quoted with vectorised kernels; an array holding any character JSON escapes
    (a quote, a backslash, a control character) is quoted value by value instead.

    >>> json_quote(pa.array(["OS-1", 'say "hi"', None])).to_pylist()
    ['"OS-1"', '"say \\\\"hi\\\\""', 'null']
    """
    text = pc.cast(strings, _TEXT, safe=False)
    if pc.any(pc.match_substring_regex(text, _NEEDS_ESCAPE)).as_py():
        return pa.array([dumps(s) for s in text.to_pylist()], _TEXT)
    return pc.fill_null(concat('"', text, '"'), pa.scalar("null", _TEXT))


def distinct_pairs(
    first: np.ndarray, second: np.ndarray, n_second: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (first, second) code pairs of two aligned int arrays, and each row's pair.

    Values are converted once per distinct pair (an activity and its attributes text, a field's
    type and a value text), then spread back to the rows with ``which``.

    Parameters
    ----------
    first, second : numpy.ndarray
        Non-negative integer codes, one per row; ``second`` below ``n_second``.

    Returns
    -------
    tuple of numpy.ndarray
        ``first`` and ``second`` of each distinct pair (sorted), and ``which``: per row, the
        index of its pair.

    >>> [a.tolist() for a in distinct_pairs(np.array([0, 1, 0]), np.array([2, 2, 2]), 3)]
    [[0, 1], [2, 2], [0, 1, 0]]
    """
    key = first.astype(np.int64) * n_second + second.astype(np.int64)
    pairs, which = np.unique(key, return_inverse=True)
    return pairs // n_second, pairs % n_second, which.reshape(-1)


def codes(strings: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Integer code of each string (int64) and the distinct strings the codes index.

    >>> c, names = codes(pa.array(["b", "a", "b"]))
    >>> c.tolist(), names.to_pylist()
    ([0, 1, 0], ['b', 'a'])
    """
    if isinstance(strings, pa.ChunkedArray):
        strings = strings.combine_chunks()
    encoded = pc.dictionary_encode(strings)
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary
