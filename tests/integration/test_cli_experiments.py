"""``omsim replicate``, ``compare`` and ``sweep`` on the command line (`omsim.cli_experiments`).

Each test runs in its own empty working folder. A good command exits 0, prints its table and
writes a results folder; bad input exits 2 with ``error: ...``, no traceback and no folder,
before any replication runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from omsim.cli import main
from omsim.experiments import replication_seeds

FAST = ["--horizon-days", "2", "--executor", "serial", "--quiet", "--seed", "5"]


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def runs(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run ``omsim ARGS``; it must succeed; what it printed."""
    assert main(list(args)) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return captured.out


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run ``omsim ARGS``; it must fail with status 2 and leave nothing; the error text."""
    before = set(Path().iterdir())
    assert main(list(args)) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and "Traceback" not in captured.err
    assert captured.out == ""
    assert set(Path().iterdir()) == before, "an error left files behind"
    assert not Path("reports").exists()
    return captured.err


# --- commands that run -------------------------------------------------------------------------


def test_replicate(capsys) -> None:
    out = runs(capsys, "replicate", "tutorial", "-n", "2", *FAST, "--out", "res")
    assert "KPI" in out and "± 95%" in out and "mean_hours_to_delivery" in out
    assert "2 replication(s) finished, 0 failed (seed 5;" in out
    assert f"results folder: {Path('res').resolve()}" in out
    frame = pd.read_csv("res/replications.csv")
    assert list(frame["seed"]) == replication_seeds(5, 2)
    for name in ("replications", "summary"):
        assert Path(f"res/{name}.parquet").is_file()
    assert not Path("res/differences.csv").exists()
    summary = json.loads(Path("res/summary.json").read_text())
    assert summary["kind"] == "replicate" and summary["scenario"] == "tutorial"
    assert summary["settings"]["executor"] == "serial"
    assert not Path("reports").exists()


def test_replicate_kpis_target_and_warmup(capsys) -> None:
    out = runs(
        capsys,
        "replicate",
        "tutorial",
        "-n",
        "3",
        *FAST,
        "--kpi",
        "order_summaries_created",
        "--target",
        "order_summaries_created=0.05",
        "--warmup-days",
        "1",
        "--series",
        "order_summaries_created",
        "--out",
        "res",
    )
    table = out.split("\n\n")[0]
    assert "order_summaries_created" in table and "mean_hours_to_delivery" not in table
    assert "order_summaries_created: pilot of 3 replications" in out
    assert "replications are needed" in out
    assert "first 1 day(s) (warm-up)" in out
    assert Path("res/series.csv").is_file()
    assert json.loads(Path("res/summary.json").read_text())["settings"]["warmup_days"] == 1.0


def test_default_results_folder(capsys) -> None:
    runs(capsys, "replicate", "tutorial", "-n", "1", *FAST)
    assert Path("reports/experiments/tutorial-replicate-seed5/summary.json").is_file()


def test_compare(capsys) -> None:
    out = runs(
        capsys,
        "compare",
        "tutorial",
        "-n",
        "2",
        *FAST,
        "--variant",
        "warehouse",
        "--variant",
        "stores",
        "routing.strategy=ship_from_store",
        "fulfillment.store.associates=2",
        "--baseline",
        "stores",
        "--out",
        "res",
    )
    assert "warehouse - stores (paired, common random numbers; p-values holm-corrected" in out
    assert "stores - warehouse" not in out
    diffs = pd.read_csv("res/differences.csv")
    assert set(diffs["variant"]) == {"warehouse"}
    summary = json.loads(Path("res/summary.json").read_text())
    assert summary["settings"]["baseline"] == "stores"
    assert summary["settings"]["variants"] == {
        "warehouse": {},
        "stores": {"routing.strategy": "ship_from_store", "fulfillment.store.associates": 2},
    }
    frame = pd.read_csv("res/replications.csv")
    assert list(frame["variant"]) == ["warehouse", "warehouse", "stores", "stores"]


def test_sweep(capsys) -> None:
    out = runs(
        capsys,
        "sweep",
        "tutorial",
        "-n",
        "1",
        *FAST,
        "--grid",
        "fulfillment.store.associates=1,3",
        "--out",
        "res",
    )
    cells = ["fulfillment.store.associates=1", "fulfillment.store.associates=3"]
    assert all(cell in out for cell in cells)
    frame = pd.read_csv("res/replications.csv")
    assert list(frame["cell"]) == cells
    assert list(frame["fulfillment.store.associates"]) == [1, 3]
    assert len(set(frame["seed"])) == 1


def test_force_replaces_a_results_folder(capsys) -> None:
    runs(capsys, "replicate", "tutorial", "-n", "1", *FAST, "--out", "res")
    err = fails(capsys, "replicate", "tutorial", "-n", "1", *FAST, "--out", "res")
    assert err.startswith("error: --out res: ") and "already exists; give --force" in err
    runs(capsys, "replicate", "tutorial", "-n", "1", *FAST, "--out", "res", "--force")
    assert Path("res/summary.json").is_file()


# --- bad input ---------------------------------------------------------------------------------


def test_unknown_key_in_a_variant(capsys) -> None:
    err = fails(
        capsys,
        "compare",
        "tutorial",
        "-n",
        "2",
        *FAST,
        "--variant",
        "base",
        "--variant",
        "stores",
        "routing.stratgy=ship_from_store",
    )
    assert "variant 'stores'" in err
    assert "routing.stratgy: unknown key; did you mean 'strategy'?" in err


def test_bad_value_in_a_sweep(capsys) -> None:
    err = fails(capsys, "sweep", "tutorial", *FAST, "--grid", "fulfillment.store.associates=1,many")
    assert "cell 'fulfillment.store.associates=many'" in err
    assert "fulfillment.store.associates: got 'many'" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--target", "mean_hours_to_delivery=abc"], "--target: got 'mean_hours_to_delivery=abc'"),
        (["--target", "mean_hours_to_delivery"], "write KPI=REL"),
        (["--target", "mean_hours_to_delivery=0"], "a fraction > 0"),
        (["--target", "mean_hours_to_delivry=0.05"], "did you mean 'mean_hours_to_delivery'"),
        (["--kpi", "mean_hours_to_delivry"], "--kpi: no KPI 'mean_hours_to_delivry'"),
        (["--kpi", "process_exceptions_by_kind"], "--kpi: no KPI"),
        (["-n", "0"], "-n: got 0: replications, an integer >= 1"),
        (["--seed", "-1"], "command line --seed: got -1"),
        (["--seed", str(2**63)], "a seed is an integer in [0, 2**63)"),
        (["--address", "tcp://127.0.0.1:8786"], "address: given for the 'serial' executor"),
        (["--workers", "0"], "workers: got 0"),
        (["--warmup-days", "2"], "warmup_days: got 2.0"),
        (["--warmup-days", "-1"], "warmup_days: got -1.0"),
        (["--series", "orders"], "series: got ['orders']"),
        (["--horizon-days", "0"], "--horizon-days: got 0.0"),
    ],
)
def test_bad_options(capsys, args: list[str], expected: str) -> None:
    err = fails(capsys, "replicate", "tutorial", "-n", "2", *FAST, *args)
    assert expected in err


def test_seed_that_is_not_a_number(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["replicate", "tutorial", "--seed", "abc"])
    assert caught.value.code == 2
    assert "argument --seed: invalid int value: 'abc'" in capsys.readouterr().err
    assert not list(Path().iterdir())


def test_variant_errors(capsys) -> None:
    err = fails(capsys, "compare", "tutorial", *FAST, "--variant", "a=1")
    assert "--variant: got 'a=1' where a name was expected" in err
    err = fails(capsys, "compare", "tutorial", *FAST, "--variant", "a", "--variant", "a")
    assert "--variant: 'a' is given twice" in err
    err = fails(capsys, "compare", "tutorial", *FAST, "--variant", "a")
    assert "a comparison needs two or more" in err
    err = fails(
        capsys, "compare", "tutorial", *FAST, "--variant", "a", "--variant", "b", "--baseline", "c"
    )
    assert "baseline: got 'c'; the variants are a, b" in err
    err = fails(capsys, "compare", "tutorial", *FAST, "--variant", "a", "--variant", "b", "x")
    assert "variant 'b': got 'x': write KEY=VALUE" in err


def test_grid_errors(capsys) -> None:
    assert "--grid: got 'x'" in fails(capsys, "sweep", "tutorial", *FAST, "--grid", "x")
    assert "--grid: a: got 'a=1,'" in fails(capsys, "sweep", "tutorial", *FAST, "--grid", "a=1,")


def test_existing_folder_is_not_replaced(capsys) -> None:
    Path("res").mkdir()
    (Path("res") / "keep.txt").write_text("mine")
    err = fails(capsys, "replicate", "tutorial", *FAST, "--out", "res")
    assert err.startswith("error: --out res: ") and "already exists; give --force" in err
    err = fails(capsys, "replicate", "tutorial", *FAST, "--out", "res", "--force")
    assert "not an omsim results folder (no summary.json)" in err
    assert (Path("res") / "keep.txt").read_text() == "mine"
