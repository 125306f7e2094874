"""``omsim forecast SCENARIO``: the scenario Monte Carlo on the command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from omsim.analysis.license_prices import EXAMPLE_PRICES, load_price_table
from omsim.cli import main
from omsim.forecast.costs import price_volumes
from omsim.forecast.scenario import forecast_scenario
from omsim.scenario import load_scenario


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["forecast", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_monthly_table_is_printed_and_written_as_the_library_makes_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "fc"
    code, printed, err = run_cli(capsys, "tutorial", "--paths", "200", "--out", str(out))
    assert code == 0, err
    assert "scenario tutorial: Monte Carlo of its demand process, 1 month (2026-09), 200" in printed
    assert "(partial month)" in printed  # a 7-day horizon
    written = pd.read_parquet(out / "forecast.parquet")
    assert written.equals(pd.read_csv(out / "forecast.csv").astype(written.dtypes))
    expected = forecast_scenario(load_scenario("tutorial"), n_paths=200, seed=0).table
    pd.testing.assert_frame_equal(written.reset_index(drop=True), expected.reset_index(drop=True))


def test_prices_price_a_contract_year_on_the_same_paths(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "fc"
    code, printed, err = run_cli(
        capsys, "tutorial", "--paths", "200", "--prices", str(EXAMPLE_PRICES), "--out", str(out)
    )
    assert code == 0, err
    # the scenario starts on 7 September: its first month is partial, so the contract year is
    # the twelve whole months after it (a priced year of 12 months, not 11 and 24 days)
    assert "2026-09 to 2027-09" in printed  # the months forecast
    assert "one contract year (2026-10 to 2027-09)" in printed
    assert "approximate" not in printed  # count and GMV are one draw per path
    forecast = forecast_scenario(load_scenario("tutorial"), months=13, n_paths=200, seed=0)
    counts = forecast.paths["Web", "order_summaries"][:, 1:].sum(axis=1)
    gmv = forecast.paths["Web", "gmv_cents"][:, 1:].sum(axis=1)
    costs = price_volumes(
        load_price_table(EXAMPLE_PRICES),
        counts,
        gmv,
        channel="Web",
        months=pd.PeriodIndex(forecast.months[1:], freq="M"),
        currency="USD",
    )
    written = pd.read_parquet(out / "costs.parquet").set_index("model")
    assert written.loc["gmv", "expected_cents"] == pytest.approx(
        costs.comparison.gmv.expected_cents
    )


def test_simulate_prints_the_discrete_event_model_beside_the_monte_carlo(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "fc"
    code, printed, err = run_cli(
        capsys, "tutorial", "--paths", "200", "--simulate", "2", "--no-progress", "--out", str(out)
    )
    assert code == 0, err
    assert "discrete-event model: 2 replications" in printed
    simulated = pd.read_parquet(out / "simulated.parquet")
    assert list(simulated["month"].astype(str)) == ["2026-09"]
    assert (simulated["n_replications"] == 2).all()
    monte_carlo = pd.read_parquet(out / "forecast.parquet")
    count = monte_carlo[monte_carlo["measure"] == "order_summaries"]["mean"].iloc[0]
    low, high = simulated["order_summaries_ci_low"].iloc[0], simulated["order_summaries_ci_high"]
    assert low <= count <= high.iloc[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nosuch"], "no such scenario"),
        (["tutorial", "--history", "x.csv"], "one of the two"),
        ([], "one of the two"),
        (["tutorial", "--horizon-months", "40"], "1 to 36"),
        (["tutorial", "--growth-sd", "-0.1"], "--growth-sd"),
        (["tutorial", "--channel", "Fax"], "no channel 'Fax'"),
        (["tutorial", "--prices", str(EXAMPLE_PRICES), "--horizon-months", "6"], "12 months"),
        # 12 months from 7 September hold only 11 whole ones
        (["tutorial", "--prices", str(EXAMPLE_PRICES), "--horizon-months", "12"], "13 or more"),
        (["tutorial", "--seed", "-1"], "--seed: got -1"),
        (["tutorial", "--currency", "EUR"], "--currency"),
        (["tutorial", "--paths", "10"], "--paths"),
        (["tutorial", "--simulate", "1"], "2 or more"),
    ],
)
def test_bad_input_is_refused_before_any_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    out = tmp_path / "fc"
    code, _, err = run_cli(capsys, *argv, "--out", str(out))
    assert code == 2
    assert err.startswith("error: ") and message in err, err
    assert "Traceback" not in err and not out.exists()


def test_a_scenario_starting_on_the_first_prices_its_first_twelve_months(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scenario = tmp_path / "first.yaml"
    text = (Path(__file__).parents[2] / "scenarios" / "tutorial.yaml").read_text(encoding="utf-8")
    scenario.write_text(text.replace("start: 2026-09-07", "start: 2026-09-01"), encoding="utf-8")
    argv = [str(scenario), "--paths", "100", "--prices", str(EXAMPLE_PRICES)]
    code, printed, err = run_cli(capsys, *argv, "--out", str(tmp_path / "fc"))
    assert code == 0, err
    assert "one contract year (2026-09 to 2027-08)" in printed
    code, printed, err = run_cli(
        capsys, *argv, "--horizon-months", "12", "--out", str(tmp_path / "b")
    )
    assert code == 0, err


def test_a_closed_pipe_still_writes_the_tables_and_prints_no_traceback(tmp_path: Path) -> None:
    """``omsim forecast tutorial | head -1``: the reader leaves before the table ends."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # a reader that has already gone: every write to stdout fails
    try:
        done = subprocess.run(
            [sys.executable, "-m", "omsim.cli", "forecast", "tutorial", "--paths", "100",
             "--no-progress", "--out", str(tmp_path / "out")],
            stdout=write_end, stderr=subprocess.PIPE, text=True, check=False, timeout=300,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "forecast.csv",
        "forecast.parquet",
    ]


def test_a_fixed_seed_fixes_the_monte_carlo_and_the_replications(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``--seed`` reaches the discrete-event replications: the same seed prints and writes the
    same numbers, another seed other ones (the Monte Carlo's and the replications' both)."""

    def run(seed: str, folder: str) -> tuple[str, pd.DataFrame, pd.DataFrame]:
        out = tmp_path / folder
        code, printed, err = run_cli(
            capsys, "tutorial", "--paths", "100", "--simulate", "2", "--seed", seed,
            "--no-progress", "--out", str(out),
        )  # fmt: skip
        assert code == 0, err
        body = printed.split("\nwrote ")[0]  # the folder differs, the numbers must not
        return (
            body,
            pd.read_parquet(out / "forecast.parquet"),
            pd.read_parquet(out / "simulated.parquet"),
        )

    printed, monte_carlo, simulated = run("5", "a")
    again = run("5", "b")
    assert again[0] == printed
    pd.testing.assert_frame_equal(again[1], monte_carlo)
    pd.testing.assert_frame_equal(again[2], simulated)
    assert "seeds spawned from seed 5" in printed
    other = run("6", "c")
    assert not other[1]["mean"].equals(monte_carlo["mean"])
    columns = ["order_summaries_mean", "gmv_cents_mean"]
    assert not other[2][columns].equals(simulated[columns]), "--seed did not reach the runs"
