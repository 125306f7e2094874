"""Reports: the notebooks executed by papermill and rendered as HTML pages that open offline.

`run_report` executes every notebook of `NOTEBOOKS` with its parameters (``quick`` ones for a
smoke run) into a report folder, ``reports/<scenario>-<UTC timestamp>/``:

==========================  ==========================================================
``<notebook>.ipynb``        the executed notebook, outputs and papermill's metadata in it
``<notebook>.html``         the notebook as a page (inputs, tables, plotly figures)
``plotly.min.js``           plotly.js, once, beside the pages (no CDN: pages open offline)
``index.html``              every notebook: link, status, run time, parameters, headline
``report.json``             the same, for programs: parameters, seconds, error per notebook
==========================  ==========================================================

A notebook that fails is reported with its cell and error; the others still run, and its page
shows the notebook up to the failing cell (a kernel that dies is reported with the cell it was
running). Interrupted (Ctrl-C), the report stops after the running notebook but still writes
its index and ``report.json``: the notebooks that ran, the one interrupted and those not run;
`run_report` then raises `ReportInterrupted`. Each notebook runs in its own kernel, started from
the Python running omsim (so the project's environment), with its working directory in the
report folder and ``PLOTLY_RENDERER=plotly_mimetype``: figures leave the kernel as plotly JSON,
and the HTML conversion draws them with the local ``plotly.min.js``.
"""

from __future__ import annotations

import contextlib
import datetime
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import omsim
from omsim.scenario import ScenarioError, ScenarioWarning, load_scenario, validate_for_run
from omsim.scenario.loading import resolve_scenario_path, scenario_source

__all__ = [
    "NOTEBOOKS",
    "NOTEBOOKS_DIR",
    "NotebookOutcome",
    "NotebookPlan",
    "ReportError",
    "ReportInterrupted",
    "ReportResult",
    "loaded_resources",
    "notebook_html",
    "read_report",
    "remote_resources",
    "run_report",
]

PLOTLY_MIME = "application/vnd.plotly.v1+json"
INTERRUPTED = "interrupted"
NOT_RUN = "not run"
NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
"""The repository's ``notebooks/`` folder (a clone or an editable install)."""
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
KERNEL_NAME = "omsim-report"


class ReportError(ValueError):
    """A report cannot start: a scenario, notebook or folder that cannot be used."""


@dataclass(frozen=True)
class NotebookPlan:
    """One notebook of the report and its parameters.

    ``parameters`` are what ``make report`` runs (sized for the default scenario on 2 cores);
    ``quick`` replaces some of them for a smoke run (`omsim report --quick`, the tests). The
    report's scenario is passed as the ``scenario`` parameter when ``takes_scenario``.
    """

    file: str
    title: str
    audience: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    quick: Mapping[str, Any] = field(default_factory=dict)
    takes_scenario: bool = True

    @property
    def stem(self) -> str:
        return Path(self.file).stem

    def parameters_for(self, scenario: str, *, quick: bool) -> dict[str, Any]:
        values = {**self.parameters, **(self.quick if quick else {})}
        if self.takes_scenario:
            values["scenario"] = scenario
        return values


# Full parameters are sized so that `make report` runs every notebook on the default scenario in
# a few minutes on 2 cores (benchmarks/README.md has the measured times); the notebooks' own
# defaults are the same, so a notebook opened in JupyterLab runs what the report ran.
NOTEBOOKS: tuple[NotebookPlan, ...] = (
    # the walkthrough's sandbox needs its own scenario (its zone and SKUs are regional_retailer's);
    # a few seconds in full, so the quick run is the full one
    NotebookPlan(
        "01-order-lifecycle-walkthrough.ipynb",
        "The order lifecycle, one action at a time",
        "trainers",
        parameters={"scenario": "regional_retailer", "seed": 2026, "outage_hours": 36.0},
        takes_scenario=False,
    ),
    NotebookPlan(
        "02-routing-strategy-comparison.ipynb",
        "Routing strategies compared: cost, speed, splits and exceptions",
        "solution architects",
        parameters={
            "strategies": ["fewest_splits", "nearest_warehouse", "ship_from_store", "lowest_cost"],
            "baseline": "fewest_splits",
            "replications": 5,
            "seed": 2026,
            "horizon_days": 28.0,
            "executor": "processes",
        },
        quick={
            "strategies": ["fewest_splits", "nearest_warehouse"],
            "replications": 2,
            # 2 days: a parcel from a distribution centre takes over a day, and a strategy
            # with none delivered would show 0 days to delivery and 0% on time
            "horizon_days": 2.0,
            "executor": "serial",
        },
    ),
    NotebookPlan(
        "03-process-exceptions.ipynb",
        "Process exceptions: rates, backlog, time to resolve, a gateway outage",
        "operations leads",
        parameters={
            "seed": 2026,
            "horizon_days": 14.0,
            "executor": "processes",
            "replications": 3,
            "strategies": ["fewest_splits", "nearest_warehouse", "ship_from_store", "lowest_cost"],
            "sweep_replications": 2,
            "accuracies": [0.9, 0.95, 0.99],
            "agents": [1, 2, 4],
            "outage_day": 3.5,
            "outage_hours": 8.0,
        },
        quick={
            "horizon_days": 1.0,
            "executor": "serial",
            "replications": 2,
            "strategies": ["fewest_splits", "nearest_warehouse"],
            "sweep_replications": 2,
            "accuracies": [0.9, 0.99],
            "agents": [1, 3],
            "outage_day": 0.5,
            "outage_hours": 8.0,
        },
    ),
    # reads an order history (the synthetic sample by default), not the report's scenario;
    # under 10 s in full or quick on 2 cores, kernel start included (docs/reports.md)
    NotebookPlan(
        "04-order-summary-volume-forecast.ipynb",
        "Order Summary volume and GMV forecast, and what each licensing model would cost",
        "analysts",
        parameters={
            "history": "",
            "horizon_months": 24,
            "prices": "",
            "committed_order_summaries": 0,
            "holdout_months": 12,
            "paths": 2000,
            "seed": 0,
        },
        quick={"horizon_months": 12, "paths": 200},
        takes_scenario=False,
    ),
    NotebookPlan(
        "05-process-mining.ipynb",
        "Process mining: the OCEL export in pm4py",
        "analysts and process owners",
        parameters={"seed": 2026, "horizon_days": 21.0, "top_variants": 10},
        quick={"horizon_days": 1.0},
    ),
)
"""The report's notebooks, in the order the index lists them."""


@dataclass
class NotebookOutcome:
    """How one notebook ran: ``status`` ``"ok"``, ``"failed"``, ``"interrupted"`` (Ctrl-C
    while it ran) or ``"not run"`` (after an interruption); times in seconds.

    A failure names the cell, counted from 1 in the notebook as committed (papermill's
    injected parameters cell not counted), its first line, and the error's type and message
    (for a kernel that died or an interruption, the cell it was running); ``error`` alone when
    the kernel never ran a cell.
    """

    notebook: str
    title: str
    status: str
    seconds: float
    parameters: dict[str, Any]
    html: str | None = None
    ipynb: str | None = None
    failed_cell: int | None = None
    failed_source: str | None = None
    error: str | None = None

    @property
    def where(self) -> str:
        """Where it failed, in words (empty when it ran)."""
        if self.ok:
            return ""
        cell = "" if self.failed_cell is None else f"cell {self.failed_cell}"
        if self.failed_source:
            cell += f" ({self.failed_source})"
        return f"{cell}: {self.error}" if cell else str(self.error)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class ReportResult:
    """A finished report: its folder, index page and one outcome per notebook."""

    folder: Path
    index: Path
    outcomes: list[NotebookOutcome]

    @property
    def failed(self) -> list[NotebookOutcome]:
        return [o for o in self.outcomes if not o.ok]


class ReportInterrupted(KeyboardInterrupt):
    """The report was interrupted (Ctrl-C); ``result`` is what was written: the index and
    ``report.json`` of the notebooks that ran, the one interrupted and those not run."""

    def __init__(self, result: ReportResult) -> None:
        super().__init__(f"report interrupted: {result.index}")
        self.result = result


def read_report(folder: Path | str) -> ReportResult:
    """A written report folder, from its ``report.json``."""
    folder = Path(folder)
    saved = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    outcomes = [NotebookOutcome(**n) for n in saved["notebooks"]]
    return ReportResult(folder=folder, index=folder / "index.html", outcomes=outcomes)


def run_report(
    scenario: str = "regional_retailer",
    *,
    quick: bool = False,
    out: Path | str | None = None,
    notebooks: tuple[NotebookPlan, ...] | None = None,
    notebooks_dir: Path | str = NOTEBOOKS_DIR,
    root: Path | str = "reports",
    echo: Callable[[str], None] | None = None,
) -> ReportResult:
    """Execute the notebooks into a report folder and write its pages and index.

    Parameters
    ----------
    scenario : str
        A shipped scenario's name or a scenario file; loaded and validated before any notebook
        runs (a bad one raises `omsim.scenario.ScenarioError`).
    quick : bool
        Each notebook's quick parameters: small runs, for a smoke test.
    out : path, optional
        The report folder; it must not exist yet. Default ``<root>/<scenario>-<UTC timestamp>``.
    notebooks : tuple of NotebookPlan, optional
        Default `NOTEBOOKS`.
    notebooks_dir : path
        Where the ``.ipynb`` files are (default the repository's ``notebooks/``).
    echo : callable, optional
        Called with a line of progress per notebook (the CLI prints them).

    Raises
    ------
    ReportError
        Before anything runs: a notebook file missing, or ``out`` existing.
    ReportInterrupted
        Interrupted (Ctrl-C) while a notebook ran: the index is written first.
    """
    plans = NOTEBOOKS if notebooks is None else notebooks
    say = echo or (lambda _line: None)
    scenario_arg, name = _scenario_argument(scenario)
    sources = Path(notebooks_dir)
    missing = [p.file for p in plans if not (sources / p.file).is_file()]
    if missing:
        raise ReportError(
            f"notebooks: {', '.join(missing)} not found in {sources}; run omsim report from a "
            "clone of the repository (its notebooks/ folder), or pass --notebooks DIR"
        )
    if not plans:
        raise ReportError("notebooks: none to run")
    folder = _report_folder(out, root, name)
    started = datetime.datetime.now(datetime.UTC)
    outcomes: list[NotebookOutcome] = []
    interrupted = False
    with _report_kernel() as kernel:
        shutil.copyfile(_plotly_js(), folder / "plotly.min.js")
        for plan in plans:
            if interrupted:
                parameters = plan.parameters_for(scenario_arg, quick=quick)
                outcomes.append(
                    NotebookOutcome(
                        plan.stem,
                        plan.title,
                        NOT_RUN,
                        0.0,
                        parameters,
                        error="not run: the report was interrupted",
                    )
                )
                continue
            say(f"running {plan.file} ...")
            outcome = _execute(plan, sources, folder, scenario_arg, quick=quick, kernel=kernel)
            outcomes.append(outcome)
            where = "" if outcome.ok else f" at {outcome.where}"
            say(f"  {outcome.status} in {outcome.seconds:.0f} s{where}")
            interrupted = outcome.status == INTERRUPTED
    index = folder / "index.html"
    meta = {
        "scenario": name,
        "quick": quick,
        "started": started.isoformat(timespec="seconds"),
        "omsim_version": omsim.__version__,
        "interrupted": interrupted,
    }
    index.write_text(_index_html(meta, outcomes, folder), encoding="utf-8")
    (folder / "report.json").write_text(
        json.dumps({**meta, "notebooks": [asdict(o) for o in outcomes]}, indent=2, default=str),
        encoding="utf-8",
    )
    result = ReportResult(folder=folder, index=index, outcomes=outcomes)
    if interrupted:
        raise ReportInterrupted(result)
    return result


def _scenario_argument(scenario: str) -> tuple[str, str]:
    """What the notebooks get (an absolute path, so their own working folder does not matter)
    and the scenario's name; the scenario is validated here, before any kernel starts, as
    ``omsim run`` validates it (`validate_for_run`: strategy, flows, locations), so that a
    scenario every notebook would fail on stops the command instead."""
    if not str(scenario).strip():
        raise ScenarioError("scenario: empty; give a shipped scenario's name or a scenario file")
    try:
        path = resolve_scenario_path(scenario)
        loaded = load_scenario(path)
        with warnings.catch_warnings():
            # fault windows outside the horizon: each notebook sets its own horizon_days
            warnings.simplefilter("ignore", ScenarioWarning)
            validate_for_run(loaded, scenario_source(path))
    except OSError as error:
        raise ScenarioError(f"scenario {scenario}: cannot be read ({error})") from None
    except UnicodeDecodeError as error:
        raise ScenarioError(
            f"scenario {scenario}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    return str(Path(path).resolve()), loaded.name


def _report_folder(out: Path | str | None, root: Path | str, name: str) -> Path:
    if out is not None:
        folder = Path(out)
        if folder.exists():
            raise ReportError(f"--out {folder}: already exists; give a new folder")
        try:
            folder.mkdir(parents=True)
        except OSError as error:
            raise ReportError(f"--out {folder}: cannot be made ({error.strerror})") from None
        return folder
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = Path(root) / f"{name}-{stamp}"
    for suffix in range(100):  # two reports started in the same second get their own folders
        folder = base if suffix == 0 else base.with_name(f"{base.name}-{suffix}")
        try:
            folder.mkdir(parents=True)
        except FileExistsError:
            continue
        except OSError as error:
            raise ReportError(
                f"report folder {folder}: cannot be made ({error.strerror})"
            ) from None
        return folder
    raise ReportError(f"report folder {base}: taken, and so are its 99 numbered twins")


def _plotly_js() -> Path:
    """The plotly.js bundle shipped inside the plotly package."""
    import plotly

    bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not bundle.is_file():  # pragma: no cover - a broken plotly install
        raise ReportError(f"plotly.js not found at {bundle}: reinstall plotly")
    return bundle


@contextlib.contextmanager
def _report_kernel() -> Iterator[tuple[str, Any]]:
    """A kernel spec running this very Python (``sys.executable``), found first on
    ``JUPYTER_PATH``: a user's own ``python3`` kernel spec pointing at another environment is
    never picked up. Figures leave the kernel as plotly JSON (``PLOTLY_RENDERER``). The kernel
    talks over IPC sockets in a private temporary folder, not over TCP on localhost (unless
    that folder is too deep for a socket path: then over TCP).

    Yields the kernel's name and the traitlets config for papermill's client."""
    import zmq
    from traitlets.config import Config

    with tempfile.TemporaryDirectory(prefix="omsim-kernel-") as tmp:
        spec = Path(tmp) / "kernels" / KERNEL_NAME
        spec.mkdir(parents=True)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        spec.joinpath("kernel.json").write_text(
            json.dumps(
                {
                    "argv": argv,
                    "display_name": "omsim report",
                    "language": "python",
                    "env": {"PLOTLY_RENDERER": "plotly_mimetype"},
                }
            )
        )
        before = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [tmp, before]))
        ipc = Path(tmp) / "ipc"
        # the sockets are <ip>-<n>; zmq knows the platform's limit (107 bytes on Linux)
        if len(os.fsencode(ipc)) + len("-65535") <= zmq.IPC_PATH_MAX_LEN:
            config = Config({"KernelManager": {"transport": "ipc", "ip": str(ipc)}})
        else:  # a deep TMPDIR: a socket path over the limit would stop the kernel starting
            config = Config()
        try:
            yield KERNEL_NAME, config
        finally:
            if before is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = before


def _execute(
    plan: NotebookPlan,
    sources: Path,
    folder: Path,
    scenario: str,
    *,
    quick: bool,
    kernel: tuple[str, Any],
) -> NotebookOutcome:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    parameters = plan.parameters_for(scenario, quick=quick)
    executed = folder / plan.file
    outcome = NotebookOutcome(plan.stem, plan.title, "ok", 0.0, parameters)
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(sources / plan.file),
            str(executed),
            parameters=parameters,
            kernel_name=kernel[0],
            config=kernel[1],
            cwd=str(folder),
            progress_bar=False,
            log_output=False,
        )
    except PapermillExecutionError as error:
        outcome.status = "failed"
        outcome.error = f"{error.ename}: {error.evalue}"
        _mark_stopped_cell(outcome, executed)
    except KeyboardInterrupt:  # Ctrl-C: this notebook's page and the index are still written
        outcome.status = INTERRUPTED
        outcome.error = "KeyboardInterrupt: the report was interrupted"
        _mark_stopped_cell(outcome, executed)
    except Exception as error:  # the kernel died or never started: the report goes on
        outcome.status = "failed"
        outcome.error = f"{type(error).__name__}: {error}"
        _mark_stopped_cell(outcome, executed)
    outcome.seconds = time.perf_counter() - start
    if executed.is_file():
        outcome.ipynb = executed.name
        page = folder / f"{plan.stem}.html"
        page.write_text(notebook_html(executed), encoding="utf-8")
        outcome.html = page.name
    return outcome


def _mark_stopped_cell(outcome: NotebookOutcome, executed: Path) -> None:
    """Where a notebook stopped, counted from 1 as in the committed notebook (papermill's
    injected parameters cell and the error banners it adds are not counted): the cell with an
    error output, else (its kernel died, or Ctrl-C) the last code cell papermill started; and
    that cell's first line."""
    if not executed.is_file():
        return
    import nbformat

    try:
        cells = nbformat.read(str(executed), as_version=4).cells
    except Exception:  # a notebook papermill had not finished writing
        return
    added = {"injected-parameters", "papermill-error-cell-tag"}
    committed = [c for c in cells if not added & set(c.get("metadata", {}).get("tags", []))]
    raised = [
        n
        for n, c in enumerate(committed, 1)
        if any(o.get("output_type") == "error" for o in c.get("outputs", []))
    ]
    # papermill marks every cell "completed" when it gives up; a cell it started has a start time
    started = [
        n
        for n, c in enumerate(committed, 1)
        if c.cell_type == "code" and c.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    number = raised[0] if raised else (started[-1] if started else None)
    if number is None:
        return
    outcome.failed_cell = number
    lines = committed[number - 1].source.strip().splitlines()
    outcome.failed_source = lines[0][:80] if lines else None


def _figure_div(figure: Mapping[str, Any], div_id: str) -> str:
    """A plotly figure (its JSON) as a ``<div>`` drawn by the page's ``plotly.min.js``."""
    import plotly.io as pio

    height = (figure.get("layout") or {}).get("height") or 500
    return pio.to_html(
        dict(figure),
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        validate=False,
        default_height=f"{height}px",
        default_width="100%",
        config={"responsive": True, "displaylogo": False},
    )


def _plotly_outputs(notebook: Any) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(cell index, output index, output) of every plotly figure in an executed notebook."""
    for c, cell in enumerate(notebook.cells):
        for o, output in enumerate(cell.get("outputs", [])):
            if PLOTLY_MIME in output.get("data", {}):
                yield c, o, output


def notebook_html(path: Path | str) -> str:
    """An executed notebook as a self-contained page that loads ``plotly.min.js`` beside it.

    Plotly figures (plotly JSON outputs) become ``<div>`` elements drawn by the local bundle;
    the template (`omsim/templates/omsim`, based on JupyterLab's) loads no script or font from
    the internet (no require.js, MathJax or Mermaid from a CDN).
    """
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(str(path), as_version=4)
    for c, o, output in list(_plotly_outputs(notebook)):
        figure = output["data"][PLOTLY_MIME]
        output["data"] = {"text/html": _figure_div(figure, f"figure-{c}-{o}")}
    exporter = HTMLExporter(
        template_name="omsim",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(notebook)
    return str(body)


_LOADED = re.compile(
    r"<(?:script|img|iframe|audio|video|source|embed)\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)"
    r"|<link\b[^>]*?\bhref\s*=\s*[\"']([^\"']+)"
    r"|url\(\s*[\"']?([^\"')]+)"
    r"|@import\s+[\"']([^\"']+)",
    re.IGNORECASE,
)


def loaded_resources(page: str) -> list[str]:
    """The addresses a page loads when opened (scripts, images, stylesheets, CSS ``url()``
    and ``@import``); links a reader may follow (``<a href>``) are not loads.

    >>> loaded_resources('<script src="plotly.min.js"></script><a href="https://x.org">x</a>')
    ['plotly.min.js']
    """
    return [next(g for g in m.groups() if g) for m in _LOADED.finditer(page)]


def remote_resources(page: str) -> list[str]:
    """The `loaded_resources` that would need the internet (``http:``, ``https:``, ``//``)."""
    return [u for u in loaded_resources(page) if re.match(r"\s*(https?:)?//", u, re.IGNORECASE)]


def _headline(path: Path, div_id: str) -> str | None:
    """The figure of the notebook's cell tagged ``headline``, when it drew one."""
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    for cell in notebook.cells:
        if "headline" in cell.get("metadata", {}).get("tags", []):
            for output in cell.get("outputs", []):
                if PLOTLY_MIME in output.get("data", {}):
                    return _figure_div(output["data"][PLOTLY_MIME], div_id)
    return None


def _index_html(meta: Mapping[str, Any], outcomes: list[NotebookOutcome], folder: Path) -> str:
    esc = html.escape
    sections = []
    for i, outcome in enumerate(outcomes):
        title = esc(outcome.title)
        link = f'<a href="{esc(outcome.html)}">{title}</a>' if outcome.html else title
        if outcome.ok:
            status = '<span class="ok">ran</span>'
        elif outcome.status == NOT_RUN:
            status = '<span class="failed">not run: the report was interrupted</span>'
        else:
            status = f'<span class="failed">{esc(outcome.status)} at {esc(outcome.where)}</span>'
        rows = "".join(
            f"<tr><th>{esc(k)}</th><td><code>{esc(json.dumps(v))}</code></td></tr>"
            for k, v in outcome.parameters.items()
        )
        figure = None
        if outcome.ok and outcome.ipynb:
            figure = _headline(folder / outcome.ipynb, f"headline-{i}")
        sections.append(
            f'<section class="notebook" id="{esc(outcome.notebook)}">'
            f"<h2>{link}</h2>"
            f"<p>{status} in {outcome.seconds:.0f} s &middot; <code>{esc(outcome.notebook)}"
            f".ipynb</code></p>"
            f'<table class="parameters"><caption>parameters</caption>{rows}</table>'
            f"{figure or ''}</section>"
        )
    kind = "quick (small parameters)" if meta["quick"] else "full"
    counts = {s: sum(o.status == s for o in outcomes) for s in ("failed", INTERRUPTED, NOT_RUN)}
    summary = f"{len(outcomes)} notebooks, " + (
        ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "all ran"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>omsim report: {esc(str(meta["scenario"]))}</title>
<script src="plotly.min.js"></script>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #222; }}
section.notebook {{ border-top: 1px solid #ccc; padding-top: 1rem; margin-top: 1.5rem; }}
table.parameters {{ border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0; }}
table.parameters th {{ text-align: left; padding-right: 1rem; font-weight: normal; }}
caption {{ text-align: left; color: #666; }}
.ok {{ color: #1a7f37; }} .failed {{ color: #b42318; font-weight: bold; }}
</style>
</head>
<body>
<h1>omsim report: {esc(str(meta["scenario"]))}</h1>
<p>{esc(summary)}. Parameters: {esc(kind)}. Started {esc(str(meta["started"]))} (UTC),
omsim {esc(str(meta["omsim_version"]))}.</p>
{"".join(sections)}
</body>
</html>
"""
