"""Experiments end to end (`omsim.experiments`): replicate, compare, sweep on the tutorial.

Every experiment here is a few replications of two simulated days; module-scoped fixtures run
each one once. The Dask executor starts one real ``LocalCluster`` of two worker processes.
"""

from __future__ import annotations

import json
import math
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from omsim.experiments import compare, replicate, replication_seeds, stats, sweep
from omsim.experiments.design import apply_overrides, scalar_kpis
from omsim.scenario import ScenarioError, load_scenario, scenario_hash

SEED = 5
N = 3
STORES = {"routing.strategy": "ship_from_store"}
COST = {"routing.strategy": "lowest_cost"}


def quiet(**options):
    return {"executor": "serial", "progress": False, **options}


def without_wall(frame: pd.DataFrame) -> pd.DataFrame:
    """The replications without their wall time, and without the breakdown columns (such as
    ``process_exceptions_by_kind.<kind>``) that only other replications of the frame have."""
    assert "wall_seconds" in frame.columns
    return frame.drop(columns="wall_seconds").dropna(axis=1, how="all").reset_index(drop=True)


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("tutorial", horizon_days=2)


@pytest.fixture(scope="module")
def replicated(scenario):
    return replicate(scenario, N, SEED, **quiet())


@pytest.fixture(scope="module")
def compared(scenario):
    variants = {"warehouse": {}, "stores": STORES, "cost": COST}
    return compare(scenario, variants, N, SEED, **quiet())


@pytest.fixture(scope="module")
def swept(scenario):
    grid = {
        "fulfillment.store.associates": [1, 3],
        "routing.strategy": ["lowest_cost", "fewest_splits"],
    }
    return sweep(scenario, grid, 2, SEED, **quiet())


# --- replicate ---------------------------------------------------------------------------------


def test_replicate_one_row_per_replication(replicated) -> None:
    frame = replicated.replications
    assert list(frame["replication"]) == list(range(N))
    assert list(frame["seed"]) == replication_seeds(SEED, N)
    assert list(frame.columns[:3]) == ["replication", "seed", "wall_seconds"]
    assert "variant" not in frame.columns
    assert set(scalar_kpis()) <= set(frame.columns)
    assert (frame["wall_seconds"] > 0).all()
    assert (frame["order_summaries_created"] > 0).all()
    assert frame["order_summaries_created"].nunique() > 1  # different seeds, different runs
    assert replicated.n_finished == N and replicated.n_failed == 0 and replicated.failures == []
    assert replicated.kind == "replicate" and replicated.seed == SEED and replicated.n == N


def test_replicate_summary_is_the_t_interval_of_each_column(replicated) -> None:
    summary = replicated.summary.set_index("kpi")
    assert list(summary.index) == replicated.kpis
    for kpi in ("order_summaries_created", "mean_hours_to_delivery", "shipping_cost_cents"):
        interval = stats.t_interval(replicated.replications[kpi])
        row = summary.loc[kpi]
        assert row["n"] == interval.n == N
        assert row["mean"] == pytest.approx(interval.mean)
        assert row["mean"] == pytest.approx(replicated.replications[kpi].mean())
        assert row["ci_low"] == pytest.approx(interval.low)
        assert row["ci_high"] == pytest.approx(interval.high)
        assert row["half_width"] == pytest.approx(interval.half_width) and interval.half_width > 0


def test_replicate_same_seed_same_replications(scenario, replicated) -> None:
    again = replicate(scenario, N, SEED, **quiet())
    pd.testing.assert_frame_equal(
        again.replications.drop(columns="wall_seconds"),
        replicated.replications.drop(columns="wall_seconds"),
    )
    pd.testing.assert_frame_equal(again.summary, replicated.summary)


def test_replicate_seed_defaults_to_the_scenarios(scenario) -> None:
    result = replicate(scenario, 1, **quiet())
    assert result.seed == scenario.seed
    assert list(result.replications["seed"]) == replication_seeds(scenario.seed, 1)


@pytest.mark.parametrize("n", [0, -1, 1.5, True])
def test_replicate_bad_n(scenario, n) -> None:
    with pytest.raises(ScenarioError, match="n: got"):
        replicate(scenario, n, SEED, **quiet())


def test_replicate_bad_seed_and_executor(scenario) -> None:
    with pytest.raises(ScenarioError, match=r"seed: got -1"):
        replicate(scenario, 1, -1, **quiet())
    with pytest.raises(ScenarioError, match=r"seed: got"):
        replicate(scenario, 1, 2**63, **quiet())
    with pytest.raises(ValueError, match="executor: got 'threads'"):
        replicate(scenario, 1, SEED, executor="threads", progress=False)
    with pytest.raises(ValueError, match="address: given for the 'serial' executor"):
        replicate(scenario, 1, SEED, address="tcp://127.0.0.1:1", **quiet())
    with pytest.raises(ValueError, match="workers: got 0"):
        replicate(scenario, 1, SEED, executor="processes", workers=0, progress=False)


# --- executors ---------------------------------------------------------------------------------


def test_identical_results_on_every_executor(scenario, replicated) -> None:
    """serial, a spawn process pool and a real Dask LocalCluster of two worker processes."""
    serial = without_wall(replicated.replications)
    for executor in ("processes", "dask"):
        result = replicate(scenario, N, SEED, executor=executor, workers=2, progress=False)
        assert result.n_failed == 0, result.failures
        assert result.settings["executor"] == executor
        pd.testing.assert_frame_equal(without_wall(result.replications), serial)
        pd.testing.assert_frame_equal(result.summary, replicated.summary)


# --- failures ----------------------------------------------------------------------------------

FAILING = "omsim_test_failing_strategy"


@pytest.fixture
def failing_strategy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A routing strategy that passes validation (importable, four arguments) and raises."""
    (tmp_path / f"{FAILING}.py").write_text(
        textwrap.dedent(
            """
            def explode(request, availability, matrix, options):
                raise RuntimeError("the strategy exploded on purpose")
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # for spawned worker processes
    monkeypatch.delitem(sys.modules, FAILING, raising=False)
    return f"{FAILING}:explode"


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_a_failing_replication_is_reported_and_the_rest_finish(
    scenario, failing_strategy: str, executor: str, tmp_path: Path
) -> None:
    variants = {"fine": {}, "broken": {"routing.strategy": failing_strategy}}
    result = compare(scenario, variants, 2, SEED, executor=executor, workers=2, progress=False)
    seeds = replication_seeds(SEED, 2)
    assert result.n_failed == 2 and result.n_finished == 2
    assert [(f["variant"], f["replication"], f["seed"]) for f in result.failures] == [
        ("broken", 0, seeds[0]),
        ("broken", 1, seeds[1]),
    ]
    for failure in result.failures:
        assert failure["error"] == "RuntimeError: the strategy exploded on purpose"
        assert "explode" in failure["traceback"]
    frame = result.replications
    assert list(frame["variant"]) == ["fine", "fine"] and list(frame["seed"]) == seeds
    assert frame["order_summaries_created"].notna().all()
    assert [p["ok"] for p in result.provenance] == [True, True, False, False]
    table = result.table()
    assert f"failed: broken replication 0 (seed {seeds[0]}): RuntimeError: the strategy" in table
    assert "2 replication(s) finished, 2 failed" in table
    written = json.loads((result.write(tmp_path / "out") / "summary.json").read_text())
    assert written["replications_failed"] == 2 and written["replications_finished"] == 2
    assert written["failures"][0]["seed"] == seeds[0]


CRASHING = "omsim_test_crashing_strategy"


@pytest.fixture
def crashing_strategy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A routing strategy that kills its worker process: always (``:always``), or only the
    first time any process calls it (``:once``, a marker file decides), then routes."""
    marker = tmp_path / "crashed-once"
    (tmp_path / f"{CRASHING}.py").write_text(
        textwrap.dedent(
            f"""
            import os

            from omsim.network.routing import STRATEGIES


            def always(request, availability, matrix, options):
                os._exit(3)


            def once(request, availability, matrix, options):
                try:
                    os.close(os.open({str(marker)!r}, os.O_CREAT | os.O_EXCL))
                except FileExistsError:
                    return STRATEGIES["fewest_splits"](request, availability, matrix, options)
                os._exit(3)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # for spawned worker processes
    monkeypatch.delitem(sys.modules, CRASHING, raising=False)
    return CRASHING


def test_a_dead_worker_fails_only_its_own_replication(scenario, crashing_strategy: str) -> None:
    """A process that dies breaks the pool; the replications it took down are run again one per
    process, so only the one that kills its process fails and the others finish."""
    variants = {"fine": {}, "deadly": {"routing.strategy": f"{crashing_strategy}:always"}}
    result = compare(scenario, variants, 2, SEED, executor="processes", workers=2, progress=False)
    assert sorted((f["variant"], f["replication"]) for f in result.failures) == [
        ("deadly", 0),
        ("deadly", 1),
    ]
    assert all("BrokenProcessPool" in f["error"] for f in result.failures)
    assert list(result.replications["variant"]) == ["fine", "fine"]


def test_a_worker_that_died_once_is_run_again(scenario, crashing_strategy: str) -> None:
    once = {"routing.strategy": f"{crashing_strategy}:once"}
    result = replicate(
        apply_overrides(scenario, once, "test"),
        3,
        SEED,
        executor="processes",
        workers=2,
        progress=False,
    )
    assert result.n_failed == 0 and result.n_finished == 3


def test_a_baseline_without_finished_replications(
    scenario, failing_strategy: str, tmp_path
) -> None:
    """Nothing to compare with: no differences, but the other variant's results are kept."""
    variants = {"broken": {"routing.strategy": failing_strategy}, "fine": {}}
    result = compare(scenario, variants, 1, SEED, **quiet())
    assert result.n_failed == 1 and list(result.replications["variant"]) == ["fine"]
    assert result.differences is not None and result.differences.empty
    assert "difference" in result.differences.columns
    assert "failed: broken replication 0" in result.table()
    folder = result.write(tmp_path / "out")
    assert json.loads((folder / "summary.json").read_text())["differences"] == []


# --- compare -----------------------------------------------------------------------------------


def test_compare_differences_one_row_per_variant_and_kpi(compared) -> None:
    diffs = compared.differences
    assert diffs is not None
    assert compared.settings["baseline"] == "warehouse"
    assert len(diffs) == 2 * len(compared.kpis)
    assert set(diffs["variant"]) == {"stores", "cost"}
    assert not diffs.duplicated(["variant", "kpi"]).any()
    assert set(diffs["correction"]) == {"holm"}
    row = diffs[(diffs["variant"] == "stores") & (diffs["kpi"] == "shipping_cost_cents")].iloc[0]
    paired = (
        compared.values("shipping_cost_cents", "stores").to_numpy()
        - compared.values("shipping_cost_cents", "warehouse").to_numpy()
    )
    assert row["difference"] == pytest.approx(paired.mean())
    assert row["n_pairs"] == N
    assert "holm-corrected" in compared.table()
    assert "stores - warehouse" in compared.table() and "cost - warehouse" in compared.table()


def test_compare_variants_share_seeds(compared) -> None:
    frame = compared.replications
    assert list(dict.fromkeys(frame["variant"])) == ["warehouse", "stores", "cost"]
    for name in ("warehouse", "stores", "cost"):
        assert list(frame[frame["variant"] == name]["seed"]) == replication_seeds(SEED, N)
    hashes = {p["variant"]: p["scenario_hash"] for p in compared.provenance}
    assert len(set(hashes.values())) == 3  # the overrides made three different scenarios


def test_compare_empty_variant_equals_replicate(compared, replicated, scenario) -> None:
    base = compared.replications[compared.replications["variant"] == "warehouse"]
    pd.testing.assert_frame_equal(
        without_wall(base.drop(columns="variant")),
        without_wall(replicated.replications),
        check_dtype=False,
    )
    stores = compared.replications[compared.replications["variant"] == "stores"]
    assert not stores["shipping_cost_cents"].equals(base["shipping_cost_cents"])
    digest = {p["variant"]: p["scenario_hash"] for p in compared.provenance}["warehouse"]
    assert digest == scenario_hash(scenario)


def test_compare_explicit_baseline_and_independent_seeds(scenario) -> None:
    result = compare(
        scenario,
        {"a": {}, "b": COST},
        2,
        SEED,
        baseline="b",
        correction="bonferroni",
        common_random_numbers=False,
        **quiet(),
    )
    assert set(result.differences["variant"]) == {"a"}
    assert set(result.differences["correction"]) == {"bonferroni"}
    a, b = variant_seeds_of(result, "a"), variant_seeds_of(result, "b")
    assert a == replication_seeds(SEED, 2) and not set(a) & set(b)
    assert "a - b (independent samples" in result.table()


def variant_seeds_of(result, name: str) -> list[int]:
    frame = result.replications
    return list(frame[frame["variant"] == name]["seed"])


def test_compare_input_errors(scenario) -> None:
    variants = {"a": {}, "b": COST}
    with pytest.raises(ScenarioError, match=r"baseline: got 'c'; the variants are a, b"):
        compare(scenario, variants, 2, SEED, baseline="c", **quiet())
    with pytest.raises(ScenarioError, match=r"correction: got 'sidak'"):
        compare(scenario, variants, 2, SEED, correction="sidak", **quiet())
    with pytest.raises(ScenarioError, match="two or more"):
        compare(scenario, {"a": {}}, 2, SEED, **quiet())
    with pytest.raises(ScenarioError, match=r"(?s)variant 'b'.*did you mean 'strategy'"):
        compare(scenario, {"a": {}, "b": {"routing.stratgy": "x"}}, 2, SEED, **quiet())
    with pytest.raises(ScenarioError, match=r"(?s)variant 'b'.*routing\.strategy: got 'nope'"):
        compare(scenario, {"a": {}, "b": {"routing.strategy": "nope"}}, 2, SEED, **quiet())


# --- sweep -------------------------------------------------------------------------------------


def test_sweep_cells_in_grid_order_with_a_column_per_key(swept) -> None:
    cells = [
        "fulfillment.store.associates=1,routing.strategy=lowest_cost",
        "fulfillment.store.associates=1,routing.strategy=fewest_splits",
        "fulfillment.store.associates=3,routing.strategy=lowest_cost",
        "fulfillment.store.associates=3,routing.strategy=fewest_splits",
    ]
    frame = swept.replications
    assert list(frame.columns[:3]) == ["cell", "fulfillment.store.associates", "routing.strategy"]
    assert list(dict.fromkeys(frame["cell"])) == cells
    assert list(frame["fulfillment.store.associates"]) == [1, 1, 1, 1, 3, 3, 3, 3]
    assert (
        list(frame["routing.strategy"])
        == ["lowest_cost"] * 2 + ["fewest_splits"] * 2 + ["lowest_cost"] * 2 + ["fewest_splits"] * 2
    )
    seeds = replication_seeds(SEED, 2)
    for cell in cells:
        assert list(frame[frame["cell"] == cell]["seed"]) == seeds
    summary = swept.summary
    assert list(dict.fromkeys(summary["cell"])) == cells
    assert set(summary[summary["cell"] == cells[2]]["fulfillment.store.associates"]) == {3}
    assert len({p["scenario_hash"] for p in swept.provenance}) == 4
    assert swept.settings["grid"] == {
        "fulfillment.store.associates": [1, 3],
        "routing.strategy": ["lowest_cost", "fewest_splits"],
    }
    assert swept.differences is None


def test_sweep_routing_changes_results(swept) -> None:
    frame = swept.replications
    cost = frame[frame["routing.strategy"] == "lowest_cost"]["shipping_cost_cents"]
    splits = frame[frame["routing.strategy"] == "fewest_splits"]["shipping_cost_cents"]
    assert not cost.reset_index(drop=True).equals(splits.reset_index(drop=True))


def test_variants_cannot_set_the_seed(scenario) -> None:
    with pytest.raises(ScenarioError, match=r"cell 'seed=1': seed: the replications' seeds"):
        sweep(scenario, {"seed": [1, 2]}, 1, SEED, **quiet())
    with pytest.raises(ScenarioError, match=r"variant 'b': seed: "):
        compare(scenario, {"a": {}, "b": {"seed": 3}}, 1, SEED, **quiet())


def test_warmup_is_checked_against_each_variants_horizon(scenario) -> None:
    with pytest.raises(ScenarioError, match=r"cell 'horizon_days=1': warmup_days: got 1"):
        sweep(scenario, {"horizon_days": [2, 1]}, 1, SEED, warmup_days=1, **quiet())


def test_keep_runs_folder_per_variant(scenario, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"keep_runs: .* do not give a run folder each"):
        compare(scenario, {"a/b": {}, "a_b": COST}, 1, SEED, keep_runs=tmp_path, **quiet())
    assert not list(tmp_path.iterdir())
    runs = tmp_path / "runs"
    result = compare(scenario, {"..": {}, "x": COST}, 1, SEED, keep_runs=runs, **quiet())
    for entry in result.provenance:
        folder = Path(entry["run_folder"]).resolve()
        assert folder.is_relative_to(runs.resolve()) and (folder / "metadata.json").is_file()
    assert sorted(p.name for p in runs.iterdir()) == ["__", "x"]


def test_sweep_bad_grid(scenario) -> None:
    with pytest.raises(
        ScenarioError, match=r"(?s)cell 'fulfillment\.store\.asociates=1'.*did you mean"
    ):
        sweep(scenario, {"fulfillment.store.asociates": [1]}, 1, SEED, **quiet())
    with pytest.raises(ScenarioError, match="grid"):
        sweep(scenario, {}, 1, SEED, **quiet())


# --- warm-up and series ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warmed(scenario, tmp_path_factory):
    runs = tmp_path_factory.mktemp("kept") / "runs"
    result = replicate(
        scenario,
        2,
        SEED,
        warmup_days=1,
        series=("order_summaries_created",),
        period_hours=8,
        keep_runs=runs,
        **quiet(),
    )
    return result, runs


def test_warmup_leaves_out_early_orders(warmed, replicated) -> None:
    result, _ = warmed
    cold = replicated.replications.head(2)
    assert list(result.replications["seed"]) == list(cold["seed"])
    warm_counts = result.replications["order_summaries_created"]
    assert (warm_counts < cold["order_summaries_created"].to_numpy()).all()
    assert (warm_counts > 0).all()
    # the series counts every order, per period; the warm-up KPIs only those of day 2
    series = result.series
    assert list(series.columns) == ["replication", "seed", "measure", "period", "value"]
    assert len(series) == 2 * 6 and set(series["measure"]) == {"order_summaries_created"}
    periods = series.pivot(index="replication", columns="period", values="value")
    assert list(periods.columns) == list(range(6))  # 8-hour periods over two days
    assert list(periods.sum(axis=1)) == list(cold["order_summaries_created"].astype(float))
    after_warmup = periods[[3, 4, 5]].sum(axis=1)
    assert list(after_warmup) == list(warm_counts.astype(float))
    assert result.settings["warmup_days"] == 1.0
    assert "leave out the orders created in the first 1 day(s)" in result.table()


def test_welch_on_the_series(warmed) -> None:
    result, _ = warmed
    frame = result.series_frame("order_summaries_created")
    assert frame.shape == (6, 2) and list(frame.columns) == [0, 1]
    averaged = result.welch("order_summaries_created", 2)
    assert list(averaged["mean"]) == pytest.approx(list(frame.mean(axis=1)))
    assert averaged["moving_average"].iloc[0] == pytest.approx(averaged["mean"].iloc[0])
    assert averaged["moving_average"].iloc[-2:].isna().all()
    figure = result.fig_welch("order_summaries_created", 2, warmup_days=1)
    assert figure.data  # a plotly figure with at least one trace
    with pytest.raises(ValueError, match="kept the series of order_summaries_created"):
        result.series_frame("exception_backlog")


@pytest.mark.parametrize("days", [-1, 2, 3.5, math.nan, math.inf])
def test_warmup_is_validated(scenario, days: float) -> None:
    with pytest.raises(ScenarioError, match="warmup_days: got"):
        replicate(scenario, 1, SEED, warmup_days=days, **quiet())


def test_unknown_series_and_period(scenario) -> None:
    with pytest.raises(ScenarioError, match=r"series: got \['orders'\]; measures: "):
        replicate(scenario, 1, SEED, series=("orders",), **quiet())
    with pytest.raises(ScenarioError, match="series: got"):
        replicate(scenario, 1, SEED, series="order_summaries_created", **quiet())
    with pytest.raises(ScenarioError, match="period_hours: got 0"):
        replicate(scenario, 1, SEED, period_hours=0, **quiet())


def test_keep_runs_keeps_the_run_folders(warmed) -> None:
    result, runs = warmed
    folders = [Path(p["run_folder"]) for p in result.provenance]
    assert len(folders) == 2 and len(set(folders)) == 2
    for folder, seed in zip(folders, replication_seeds(SEED, 2), strict=True):
        assert folder.is_relative_to(runs) and str(seed) in folder.name
        assert (folder / "metadata.json").is_file()
        assert (folder / "kpis.json").is_file()


def test_without_keep_runs_no_run_folder(replicated) -> None:
    assert all(p["run_folder"] is None for p in replicated.provenance)


# --- the results folder ------------------------------------------------------------------------


def test_write_results_folder(compared, tmp_path: Path) -> None:
    folder = compared.write(tmp_path / "results")
    for stem in ("replications", "summary", "differences"):
        assert (folder / f"{stem}.parquet").is_file() and (folder / f"{stem}.csv").is_file()
    assert not (folder / "series.csv").exists()  # no series asked for
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder / "replications.parquet"), compared.replications
    )
    assert len(pd.read_csv(folder / "differences.csv")) == len(compared.differences)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["kind"] == "compare" and summary["seed"] == SEED
    assert summary["replications_per_variant"] == N and summary["replications_failed"] == 0
    assert len(summary["provenance"]) == 3 * N
    import omsim

    for entry in summary["provenance"]:
        assert set(entry) >= {
            "variant",
            "replication",
            "seed",
            "scenario_hash",
            "omsim_version",
            "git_commit",
        }
        assert entry["omsim_version"] == omsim.__version__
        assert entry["seed"] in replication_seeds(SEED, N)
        assert len(entry["scenario_hash"]) >= 8
    assert not list(tmp_path.glob(".*partial"))


def test_write_series_file(warmed, tmp_path: Path) -> None:
    result, _ = warmed
    folder = result.write(tmp_path / "warm")
    assert len(pd.read_csv(folder / "series.csv")) == len(result.series)


def test_write_refuses_to_replace(replicated, tmp_path: Path) -> None:
    folder = replicated.write(tmp_path / "results")
    with pytest.raises(FileExistsError, match="already exists"):
        replicated.write(folder)
    (folder / "note.txt").write_text("mine")
    replicated.write(folder, force=True)  # a results folder: replaced
    assert not (folder / "note.txt").exists() and (folder / "summary.json").is_file()
    other = tmp_path / "precious"
    other.mkdir()
    (other / "thesis.tex").write_text("keep me")
    with pytest.raises(FileExistsError, match="not an omsim results folder"):
        replicated.write(other, force=True)
    assert (other / "thesis.tex").read_text() == "keep me" and not (other / "summary.json").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (replicated.write(empty, force=True) / "summary.json").is_file()


def test_precision_helpers(replicated, compared) -> None:
    needed = replicated.replications_needed("order_summaries_created", 0.05)
    assert list(needed) == ["base"] and needed["base"] > N
    report = replicated.precision_report("order_summaries_created", 0.05)
    assert report.startswith(f"order_summaries_created: pilot of {N} replications")
    assert report.endswith(f"about {needed['base']} replications are needed")
    assert set(compared.replications_needed("order_summaries_created", 0.05)) == {
        "warehouse",
        "stores",
        "cost",
    }
    with pytest.raises(ValueError, match="variant: got None"):
        compared.values("order_summaries_created")
    with pytest.raises(ValueError, match="kpi: got 'nope'"):
        replicated.values("nope")
