"""Review of the experiments: command-line paths that raised a traceback, input found wrong only
after every replication had run, warnings repeated per replication, input silently dropped.

Every run is one or two replications of the tutorial's first simulated days, serial.
"""

from __future__ import annotations

import json
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import omsim.experiments
from omsim.cli import main
from omsim.experiments import replicate
from omsim.experiments.executors import ExecutorError
from omsim.experiments.worker import Replication, run_replication
from omsim.scenario import ScenarioError, ScenarioWarning, load_scenario

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--horizon-days", "2", "--executor", "serial", "--quiet", "--seed", "5"]
FAILING = "omsim_review_failing_strategy"


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def failing_strategy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A routing strategy that passes validation and raises in every run."""
    (tmp_path / f"{FAILING}.py").write_text(
        textwrap.dedent(
            """
            def explode(request, availability, matrix, options):
                raise RuntimeError("the strategy exploded on purpose")
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, FAILING, raising=False)
    return f"{FAILING}:explode"


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """``omsim ARGS`` exits 2 with ``error: ...``, no traceback and no results folder."""
    before = set(Path().iterdir())
    assert main(list(args)) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and "Traceback" not in captured.err
    assert set(Path().iterdir()) == before
    return captured.err


def warning_scenario(tmp_path: Path) -> Path:
    """The tutorial with an outage wholly after a two-day horizon: a `ScenarioWarning`."""
    text = (ROOT / "scenarios" / "tutorial.yaml").read_text()
    outage = (
        "  outages: [{location: ST-columbus, start: 2026-09-20T00:00:00, "
        "end: 2026-09-21T00:00:00, mode: stop}]"
    )
    assert "  outages: []" in text
    path = tmp_path / "warns.yaml"
    path.write_text(text.replace("  outages: []", outage))
    return path


# --- a traceback in front of the user ---------------------------------------------------------


def test_cli_kpi_when_every_replication_failed_prints_the_table(
    capsys, failing_strategy: str
) -> None:
    """``--kpi`` with no finished replication raised ValueError ("no such KPI") after the run,
    and the results folder (with the failures) was never written."""
    variant = f"routing.strategy={failing_strategy}"
    args = ["compare", "tutorial", "-n", "1", *FAST, "--out", "res"]
    args += ["--variant", "a", variant, "--variant", "b", variant]
    assert main([*args, "--kpi", "mean_hours_to_delivery"]) == 1  # 1: replications failed
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "0 replication(s) finished, 2 failed" in captured.out
    assert Path("res/summary.json").is_file()


def test_replicate_table_of_asked_kpis_when_every_replication_failed(
    failing_strategy: str,
) -> None:
    scenario = load_scenario("tutorial", horizon_days=1)
    broken = scenario.model_copy(
        update={"routing": scenario.routing.model_copy(update={"strategy": failing_strategy})}
    )
    result = replicate(broken, 1, 5, executor="serial", progress=False)
    table = result.table(["mean_hours_to_delivery"])
    assert "mean_hours_to_delivery" in table and "0 replication(s) finished, 1 failed" in table


def test_cli_keyboard_interrupt_is_not_a_traceback(capsys, monkeypatch) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(omsim.experiments, "replicate", interrupted)
    assert main(["replicate", "tutorial", "-n", "1", *FAST, "--out", "res"]) == 130
    captured = capsys.readouterr()
    assert "interrupted" in captured.err and "Traceback" not in captured.err
    assert not Path("res").exists()


def test_dask_address_that_is_not_an_address(capsys) -> None:
    """A malformed ``--address`` raised distributed's ValueError as a traceback."""
    pytest.importorskip("distributed")
    scenario = load_scenario("tutorial", horizon_days=1)
    with pytest.raises(ExecutorError, match="address: got 'notaurl'"):
        replicate(scenario, 1, 5, executor="dask", address="notaurl", progress=False)
    args = ["replicate", "tutorial", "-n", "1", "--horizon-days", "1", "--quiet"]
    err = fails(capsys, *args, "--executor", "dask", "--address", "foo://x:1", "--out", "res")
    assert "address: got 'foo://x:1'" in err


# --- bad input found only after the work ------------------------------------------------------


def test_keep_runs_that_cannot_be_a_folder_is_refused_before_running(capsys) -> None:
    """Every replication failed with NotADirectoryError, one after the other."""
    Path("afile").write_text("not a folder\n")
    err = fails(capsys, "replicate", "tutorial", "-n", "2", *FAST, "--keep-runs", "afile/runs")
    assert "keep_runs" in err and "afile" in err
    scenario = load_scenario("tutorial", horizon_days=1)
    with pytest.raises(ScenarioError, match="keep_runs"):
        replicate(scenario, 1, 5, executor="serial", progress=False, keep_runs="afile")


# --- input silently dropped -------------------------------------------------------------------


def test_cli_grid_key_given_twice_is_refused(capsys) -> None:
    """``--grid k=1,2 --grid k=3`` silently swept k over [3] only."""
    grid = [
        "--grid",
        "fulfillment.store.associates=1,2",
        "--grid",
        "fulfillment.store.associates=3",
    ]
    err = fails(capsys, "sweep", "tutorial", "-n", "1", *FAST, *grid)
    assert "fulfillment.store.associates is given twice" in err


def test_cli_variant_key_given_twice_is_refused(capsys) -> None:
    """``--variant b k=x k=y`` silently ran k=y."""
    variant = ["b", "routing.strategy=lowest_cost", "routing.strategy=ship_from_store"]
    err = fails(
        capsys, "compare", "tutorial", "-n", "1", *FAST, "--variant", "a", "--variant", *variant
    )
    assert "routing.strategy is given twice" in err


# --- warnings ---------------------------------------------------------------------------------


def test_cli_scenario_warning_printed_once(capsys, tmp_path: Path) -> None:
    """It was printed twice in serial (once per message text, the worker's naming the scenario,
    the parent's "variant 'base'") and once more per replication from every pool process."""
    path = warning_scenario(tmp_path)
    assert main(["replicate", str(path), "-n", "2", *FAST, "--out", "res"]) == 0
    err = capsys.readouterr().err
    assert err.count("lies wholly outside the run") == 1, err
    assert "variant 'base'" not in err and "scenario 'tutorial'" in err


def test_a_replication_does_not_repeat_the_experiments_warnings(tmp_path: Path) -> None:
    scenario = load_scenario(warning_scenario(tmp_path), horizon_days=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = run_replication(Replication(scenario=scenario, seed=5))
    assert outcome.ok
    assert not [w for w in caught if issubclass(w.category, ScenarioWarning)]


# --- results lost after the run ---------------------------------------------------------------


def test_an_override_read_as_a_datetime_is_written_to_summary_json(capsys) -> None:
    """YAML reads ``start: 2026-09-07T09:00:00`` as a datetime; summary.json's settings then
    failed with "ValueError: Circular reference detected" after every replication had run."""
    outage = (
        "fulfillment.outages=[{location: ST-columbus, start: 2026-09-07T09:00:00, "
        "end: 2026-09-07T15:00:00, mode: stop}]"
    )
    args = ["compare", "tutorial", "-n", "1", *FAST, "--out", "res"]
    assert main([*args, "--variant", "base", "--variant", "outage", outage]) == 0
    assert "Traceback" not in capsys.readouterr().err
    summary = json.loads(Path("res/summary.json").read_text())
    written = summary["settings"]["variants"]["outage"]["fulfillment.outages"][0]
    assert written["start"] == "2026-09-07T09:00:00"


@pytest.mark.parametrize("keep", ["res", "res/runs"])
def test_keep_runs_inside_the_results_folder_is_refused(capsys, keep: str) -> None:
    """``--keep-runs res --out res`` failed after the run (the folder was no results folder);
    ``--out res --force --keep-runs res/runs`` deleted the kept runs with the old results."""
    err = fails(
        capsys, "replicate", "tutorial", "-n", "1", *FAST, "--out", "res", "--keep-runs", keep
    )
    assert "--keep-runs" in err and "inside" in err


# --- a broken process pool --------------------------------------------------------------------


def test_a_broken_pool_says_why_it_may_have_broken() -> None:
    """A script without ``if __name__ == "__main__":`` (the docs' example saved as a file) made
    every replication fail with a bare "BrokenProcessPool: A process in the process pool was
    terminated abruptly", nothing saying what to do."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from omsim.experiments.executors import _as_they_finish

    future: Future = Future()
    future.set_exception(BrokenProcessPool("A process in the process pool was terminated"))
    task = Replication(scenario=load_scenario("tutorial", horizon_days=1), seed=5)
    [(index, outcome)] = list(_as_they_finish({future: 0}, [task], lambda fs: fs))
    assert index == 0 and not outcome.ok
    assert outcome.error.startswith("BrokenProcessPool: ")
    assert 'if __name__ == "__main__":' in outcome.error and "out of memory" in outcome.error
