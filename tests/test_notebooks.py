"""The notebooks as committed: no outputs, typed and documented parameters, no code of their own.

Executing them is `tests/integration/test_report.py`'s job; these read the files only, except
the few that execute notebook 04 with bad parameters, which stop before anything is fitted.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import papermill
import pytest

from omsim.reports import NOTEBOOKS, NOTEBOOKS_DIR

FILES = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
PARAMETER_LINE = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*): (?P<type>\w+) = .+  # \S.*$")


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def tagged(notebook: nbformat.NotebookNode, tag: str) -> list[nbformat.NotebookNode]:
    return [c for c in notebook.cells if tag in c.get("metadata", {}).get("tags", [])]


def test_every_notebook_is_in_the_report_and_every_report_notebook_exists() -> None:
    assert [p.name for p in FILES] == sorted(plan.file for plan in NOTEBOOKS)
    assert len({plan.stem for plan in NOTEBOOKS}) == len(NOTEBOOKS)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_committed_without_outputs(path: Path) -> None:
    notebook = read(path)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_parameters_are_typed_and_commented_for_help_notebook(path: Path) -> None:
    notebook = read(path)
    (cell,) = tagged(notebook, "parameters")
    lines = [line for line in cell.source.splitlines() if line.strip()]
    assert lines
    for line in lines:
        assert PARAMETER_LINE.match(line), f"not `name: type = value  # help`: {line!r}"
    inferred = papermill.inspect_notebook(str(path))
    assert list(inferred) == [PARAMETER_LINE.match(line)["name"] for line in lines]
    for name, parameter in inferred.items():
        assert parameter["inferred_type_name"] != "None", name
        assert parameter["help"], name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_thin_no_definitions_a_title_and_one_headline(path: Path) -> None:
    notebook = read(path)
    assert notebook.cells[0].cell_type == "markdown"
    assert notebook.cells[0].source.startswith("# ")
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        defined = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        ]
        assert not defined, f"{path.name}: a def or class belongs in omsim: {cell.source[:60]}"
    assert len(tagged(notebook, "headline")) == 1


@pytest.mark.parametrize("plan", NOTEBOOKS, ids=lambda p: p.stem)
def test_report_parameters_are_the_notebooks_own(plan) -> None:
    """A misspelt parameter would be injected and ignored: every planned one is declared."""
    declared = set(papermill.inspect_notebook(str(NOTEBOOKS_DIR / plan.file)))
    for quick in (False, True):
        assert set(plan.parameters_for("x", quick=quick)) <= declared


@pytest.mark.parametrize("plan", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_full_report_runs_the_notebooks_defaults(plan) -> None:
    """Opened in JupyterLab, a notebook runs what ``make report`` ran."""
    inferred = papermill.inspect_notebook(str(NOTEBOOKS_DIR / plan.file))
    for name, value in plan.parameters.items():
        assert ast.literal_eval(inferred[name]["default"]) == value, name
    if plan.takes_scenario:  # a notebook reading other input (04: a history) has no scenario
        assert ast.literal_eval(inferred["scenario"]["default"]) == "regional_retailer"


@pytest.mark.slow(cpu_seconds=10)  # a kernel per case, stopped before anything is fitted
@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        (
            {"paths": "lots"},
            "parameter paths: got 'lots' (str); simulated paths, a whole number 100 or more",
        ),
        (
            {"committed_order_summaries": 300_000, "prices": "no-entitlement.yaml"},
            "the price table no-entitlement.yaml has no Order Summary entitlement",
        ),
    ],
    ids=[
        "paths",
        "entitlement",
    ],  # every other refusal: tests/unit/forecast/test_notebook_parameters.py
)
def test_notebook_04_refuses_a_bad_parameter_by_name(
    tmp_path: Path, parameters: dict[str, object], message: str
) -> None:
    """``papermill ... -p paths lots``: a clear error naming the parameter, not a TypeError
    deep in the model."""
    import yaml
    from papermill.exceptions import PapermillExecutionError

    from omsim.analysis.license_prices import EXAMPLE_PRICES
    from omsim.reports import _report_kernel

    table = yaml.safe_load(EXAMPLE_PRICES.read_text(encoding="utf-8"))
    table["order_summary"].pop("entitlement", None)
    (tmp_path / "no-entitlement.yaml").write_text(yaml.safe_dump(table), encoding="utf-8")
    with _report_kernel() as (kernel, config), pytest.raises(PapermillExecutionError) as error:
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / "04-order-summary-volume-forecast.ipynb"),
            str(tmp_path / "out.ipynb"),
            parameters=parameters,
            kernel_name=kernel,
            config=config,
            cwd=str(tmp_path),
            progress_bar=False,
        )
    assert error.value.ename == "ForecastError", error.value.evalue
    assert message in error.value.evalue
