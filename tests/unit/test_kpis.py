"""`kpis`: every key of ``kpis.json`` is documented in docs/kpis.md."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from omsim.analysis.kpis import kpis
from omsim.eventlog import EventLog

DOC = Path(__file__).parents[2] / "docs" / "kpis.md"


def _documented() -> set[str]:
    """Keys named in the first column of the doc's tables."""
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("| `")]
    return {key for row in rows for key in re.findall(r"`([a-z0-9_]+)`", row.split("|")[1])}


def test_every_kpi_is_documented_and_every_documented_kpi_exists() -> None:
    keys = set(kpis(EventLog(datetime.datetime(2026, 1, 1)).tables()))
    assert keys == _documented()


def test_kpis_of_an_empty_log_are_zero() -> None:
    figures = kpis(EventLog(datetime.datetime(2026, 1, 1)).tables())
    assert all(v in (0, 0.0, {}, {"overall": 0.0}) for v in figures.values()), figures
