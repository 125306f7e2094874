"""The run folder: what `omsim run` writes, readable without omsim's simulation code.

Layout: ``events.parquet``, ``event_objects.parquet``, ``objects.parquet``,
``object_changes.parquet`` (the event log), ``records/<Object>.parquet`` (final state of every
Salesforce-shaped record, columns named by API field, see `omsim.recordtables`),
``records/OrderState.parquet``, ``kpis.json``, ``metadata.json`` and, on request, ``ocel.json``.

`run_to_folder` streams a run into its folder (memory follows the orders in flight) and computes
the KPIs once, from the written tables; `write_run_folder` writes a run held in memory. Either
way the folder is written beside its target and renamed into place: complete or absent.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import omsim
from omsim.analysis.kpis import kpis
from omsim.eventlog_activities import ActivityLog
from omsim.eventlog_ocel import OCEL_FILES, write_ocel
from omsim.recordtables import DERIVED_FIELDS, record_tables
from omsim.scenario import scenario_hash
from omsim.scenario.schema import Scenario
from omsim.sim.run import RunResult, run

__all__ = [
    "DERIVED_FIELDS",
    "folder_kpis",
    "metadata",
    "record_tables",
    "run_to_folder",
    "write_run_folder",
]


def folder_kpis(folder: Path | str) -> dict[str, Any]:
    """The KPIs of a written run folder, reading its event log an activity at a time (see
    `omsim.eventlog_activities`): the whole log never has to fit in memory."""
    with ActivityLog(folder) as log:
        return kpis(log)


def git_commit() -> str | None:
    """The commit of the working tree omsim runs from, when it is a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def metadata(result: RunResult) -> dict[str, Any]:
    """Provenance of a run: seed, scenario and its hash, version, commit, wall time."""
    return {
        "scenario": result.scenario.name,
        "scenario_hash": scenario_hash(result.scenario),
        "seed": result.seed,
        "omsim_version": omsim.__version__,
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "wall_seconds": round(result.wall_seconds, 3),
        "horizon_days": result.scenario.horizon_days,
        "start": result.scenario.start.isoformat(),
        "events": len(result.log),
        "order_summaries": result.counters.retired,
        "order_states": result.state_counts,
        "scenario_settings": result.scenario.model_dump(mode="json"),
    }


def _partial(folder: Path) -> Path:
    """A fresh working folder beside ``folder``, renamed into place when complete."""
    work = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    if work.exists():
        shutil.rmtree(work)
    return work


def _into_place(work: Path, folder: Path, force: bool = True) -> Path:
    if folder.exists() or folder.is_symlink():
        if not force:
            shutil.rmtree(work, ignore_errors=True)
            raise FileExistsError(_exists_message(folder))
        if folder.is_symlink():
            folder.unlink()  # the link is replaced, never what it points to
        else:
            shutil.rmtree(folder)
    work.rename(folder)
    return folder


def _exists_message(folder: Path) -> str:
    return f"{folder}: already exists; give force=True (omsim run --force) to replace it"


def _ocel_format(ocel: bool | str | None) -> str | None:
    """``True`` -> ``json`` (the flag alone); a format name is kept; None or False: no export."""
    if ocel is True:
        return "json"
    return ocel or None


def _finish(
    result: RunResult, work: Path, figures: dict[str, Any], ocel: bool | str | None
) -> None:
    (work / "kpis.json").write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    (work / "metadata.json").write_text(json.dumps(metadata(result), indent=2) + "\n")
    fmt = _ocel_format(ocel)
    if fmt is not None:
        write_ocel(work, fmt)  # streams from the written tables


def write_run_folder(
    result: RunResult, folder: Path | str, *, ocel: bool | str | None = None
) -> Path:
    """Write a run held in memory as a run folder and return its path.

    ``ocel``: ``"json"`` (or True) writes ``ocel.json``, ``"sqlite"`` writes ``ocel.sqlite``.
    """
    folder = Path(folder)
    if result.folder is not None:
        raise ValueError(f"the run streamed to {result.folder}: its folder is already written")
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = _partial(folder)
    try:
        result.log.write_parquet(work)
        result.records.write(work / "records")
        _finish(result, work, kpis(result.log.tables()), ocel)
        return _into_place(work, folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def run_to_folder(
    scenario: Scenario,
    folder: Path | str,
    seed: int | None = None,
    *,
    ocel: bool | str | None = None,
    progress: bool = False,
    rows_per_group: int = 100_000,
    force: bool = True,
    kpis_of: Callable[[Path], dict[str, Any]] = folder_kpis,
) -> tuple[RunResult, Path]:
    """Run ``scenario`` streaming into ``folder``; the KPIs are computed once, from its tables.

    Returns the result (holding only the orders open at the end) and the folder's path.
    ``ocel`` as in `write_run_folder`; the format is checked before the run starts. An existing
    ``folder`` is replaced at the end only with ``force``; without it, `FileExistsError` is
    raised before the run starts. ``kpis_of`` computes ``kpis.json`` from the written working
    folder (default `folder_kpis`); a caller that reads more from the log passes its own, so
    the log is read once.
    """
    fmt = _ocel_format(ocel)
    if fmt is not None and fmt not in OCEL_FILES:
        raise ValueError(
            f"unknown OCEL format {fmt!r}: choose {' or '.join(map(repr, OCEL_FILES))}"
        )
    folder = Path(folder)
    if (folder.exists() or folder.is_symlink()) and not force:
        raise FileExistsError(_exists_message(folder))
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = _partial(folder)
    try:
        result = run(scenario, seed, progress=progress, folder=work, rows_per_group=rows_per_group)
        _finish(result, work, kpis_of(work), ocel)
        placed = _into_place(work, folder, force)
    except BaseException:  # the folder is complete or absent: no working folder is left
        shutil.rmtree(work, ignore_errors=True)
        raise
    result.folder = folder
    return result, placed
