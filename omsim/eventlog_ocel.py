"""OCEL 2.0 exports of the event log, JSON or SQLite, streamed from the run folder.

OCEL 2.0 (ocel-standard.org; arXiv 2403.01975) is the exchange standard of object-centric
process mining. Both exports read the run folder's four Parquet tables in batches and write
incrementally, so memory does not grow with the log (a million-order run: ~12M events, ~30M
objects, ~80M object changes):

* `write_ocel_json`: the JSON format (`omsim.ocel_json`), one object or event a line;
* `write_ocel_sqlite`: the relational format (`omsim.ocel_sqlite`), several times smaller;
* `write_ocel`: either one into the run folder, as ``ocel.json`` or ``ocel.sqlite``.

Both carry the same content. Event attributes are the scalar values of the ``attributes`` JSON
column; object attributes are the tracked fields of ``object_changes``, each object's first value
of a field being its value at creation and the later ones its changes. Types follow
`omsim.ocel_values` (an attribute mixing integers and floats is ``float``, any other mix
``string``). Event ids are the log's ids as text; times are ISO 8601 UTC to the microsecond.

Read back with pm4py: ``pm4py.read_ocel2_json`` keeps one relation per (event, object), with the
last qualifier listed; ``pm4py.read_ocel2_sqlite`` keeps one per (event, object, qualifier). Both
drop events and objects without any relation, and take each object's first value of an attribute
as its static value, the later ones as its changes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from omsim.ocel_json import write_json
from omsim.ocel_sqlite import write_sqlite
from omsim.ocel_values import ocel_type

if TYPE_CHECKING:
    from omsim.eventlog import EventLogTables

__all__ = ["OCEL_FILES", "ocel_type", "write_ocel", "write_ocel_json", "write_ocel_sqlite"]

OCEL_FILES: dict[str, str] = {"json": "ocel.json", "sqlite": "ocel.sqlite"}
"""File written into the run folder for each OCEL format `write_ocel` accepts."""


def write_ocel_json(source: Path | str | EventLogTables, path: Path | str) -> Path:
    """Write an event log as an OCEL 2.0 JSON file.

    Parameters
    ----------
    source : Path, str or EventLogTables
        A run folder, streamed in bounded memory; or tables already in memory (from
        `omsim.eventlog.EventLog.tables`), written to a temporary run folder beside ``path``
        first, as `omsim.eventlog.EventLogTables.write_ocel_json` does.
    path : Path or str
        The ``.json`` file to write (UTF-8, one object or event a line); complete or absent.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    if isinstance(source, str | os.PathLike):
        return write_json(Path(source), path)
    with tempfile.TemporaryDirectory(prefix=".ocel-tables-", dir=path.parent) as folder:
        for stem, table in source.as_dict().items():
            table.to_parquet(Path(folder) / f"{stem}.parquet", engine="pyarrow", index=False)
        return write_json(Path(folder), path)


def write_ocel_sqlite(folder: Path | str, path: Path | str) -> Path:
    """Write a run folder's event log as an OCEL 2.0 SQLite file, in bounded memory.

    Parameters
    ----------
    folder : Path or str
        A run folder.
    path : Path or str
        The ``.sqlite`` file to write, replaced if present; complete or absent.

    Returns
    -------
    Path
        ``path``.
    """
    return write_sqlite(Path(folder), Path(path))


def write_ocel(folder: Path | str, fmt: str) -> Path:
    """Write the run folder's OCEL 2.0 export, ``ocel.json`` or ``ocel.sqlite``, into it.

    Parameters
    ----------
    folder : Path or str
        A run folder.
    fmt : str
        ``"json"`` or ``"sqlite"`` (see `OCEL_FILES`).

    Returns
    -------
    Path
        The file written.

    >>> write_ocel(".", "xml")
    Traceback (most recent call last):
    ...
    ValueError: unknown OCEL format 'xml': choose 'json' or 'sqlite'
    """
    if fmt not in OCEL_FILES:
        choices = " or ".join(repr(f) for f in OCEL_FILES)
        raise ValueError(f"unknown OCEL format {fmt!r}: choose {choices}")
    folder = Path(folder)
    writer = write_ocel_json if fmt == "json" else write_ocel_sqlite
    return writer(folder, folder / OCEL_FILES[fmt])
