"""``omsim forecast --history`` on the command line (`omsim.cli_forecast`).

Each test runs in its own empty working folder, on the synthetic sample history (three years of
one channel's days) or a small monthly history, with 200 paths. The printed table, the files
written (Parquet equal to CSV, equal to `forecast_history`'s table), the backtest's verdict and
the licensing costs; bad input exits 2 with ``error: ...``, no traceback and nothing written.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omsim.analysis.license_prices import EXAMPLE_PRICES, load_price_table
from omsim.cli import main
from omsim.forecast import SAMPLE_HISTORY, backtest, forecast_history, read_history
from omsim.forecast.costs import forecast_costs

FAST = ["--paths", "200", "--no-progress"]


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def monthly_history(
    path: str, n_months: int, *, channels: tuple[str, ...] = ("Web", "Stores")
) -> Path:
    """A monthly history per channel: growth, a December peak and noise, GMV in cents."""
    rng = np.random.default_rng(7)
    months = pd.period_range("2023-01", periods=n_months, freq="M")
    rows = ["date,channel,orders,gmv_cents"]
    for scale, channel in enumerate(channels, start=1):
        level = 3000 * scale * np.exp(0.1 * np.arange(n_months) / 12)
        peak = 1 + 0.4 * (months.month == 12) + 0.15 * (months.month == 11)
        orders = np.rint(level * peak * np.exp(rng.normal(0, 0.03, n_months))).astype(int)
        for month, n in zip(months.strftime("%Y-%m"), orders, strict=True):
            rows.append(f"{month},{channel},{n},{n * 7_250}")
    Path(path).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return Path(path)


def test_the_table_is_printed_and_written(capsys) -> None:
    assert main(["forecast", "--history", str(SAMPLE_HISTORY), *FAST]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # no bar: stderr is not a terminal
    out = captured.out
    assert "forecast 12 months (2026-01 to 2026-12), 200 simulated paths, seed 0" in out
    assert "Web Store: Order Summaries created per month" in out
    assert "Web Store: GMV per month, currency units" in out
    rows = re.findall(r"^2026-(\d\d)  (model|seasonal naive) +(.*)$", out, flags=re.M)
    assert len(rows) == 2 * 2 * 12  # two measures, two methods, twelve months
    assert [(m, method) for m, method, _ in rows[:4]] == [
        ("01", "model"), ("01", "seasonal naive"), ("02", "model"), ("02", "seasonal naive")
    ]  # fmt: skip
    counts, gmv = rows[0][2].split(), rows[24][2].split()
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*", v) for v in counts)  # whole Order Summaries
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d", v) for v in gmv)  # currency units
    verdicts = re.findall(r"^backtest: model (?:not )?better than .*$", out, flags=re.M)
    assert len(verdicts) == 2 and all("sMAPE" in v and "80% interval" in v for v in verdicts)
    (folder,) = Path("reports").iterdir()
    assert re.fullmatch(r"forecast-\d{8}T\d{6}Z", folder.name)
    assert sorted(p.name for p in folder.iterdir()) == [
        "backtest.csv", "backtest.parquet", "forecast.csv", "forecast.parquet"
    ]  # fmt: skip
    assert f"wrote {folder.resolve() / 'forecast.csv'}" in out
    assert f"wrote {folder.resolve() / 'backtest.parquet'}" in out
    written = pd.read_parquet(folder / "forecast.parquet")
    pd.testing.assert_frame_equal(pd.read_csv(folder / "forecast.csv"), written)
    expected = forecast_history(read_history(SAMPLE_HISTORY), 12, n_paths=200, seed=0).table
    pd.testing.assert_frame_equal(written, expected)  # the same draws, cents kept


def test_prices_print_both_models_and_write_the_costs(capsys) -> None:
    args = ["--prices", str(EXAMPLE_PRICES), "--horizon-months", "24", "--seed", "5"]
    assert main(["forecast", "--history", str(SAMPLE_HISTORY), *args, "--out", "f", *FAST]) == 0
    out = capsys.readouterr().out
    assert "Licensing cost of one contract year (2026-01 to 2026-12), Web Store, USD" in out
    assert "its GMV is taken to be in USD, the price table's" in out
    by_count = re.search(r"^Order Summaries +USD ([\d,.]+) +USD [\d,.]+ to USD [\d,.]+ +"
                         r"([\d.]+)% +250,000 Order Summaries$", out, flags=re.M)  # fmt: skip
    by_gmv = re.search(r"^GMV +USD ([\d,.]+) +USD [\d,.]+ to USD [\d,.]+ +([\d.]+)% +"
                       r"USD 15,000,000\.00 of GMV$", out, flags=re.M)  # fmt: skip
    assert by_count and by_gmv
    assert "break-even: " in out and "expected volume: " in out
    forecast = forecast_history(read_history(SAMPLE_HISTORY), 24, n_paths=200, seed=5)
    costs = forecast_costs(forecast, load_price_table(EXAMPLE_PRICES))
    table = costs.table
    assert by_count.group(1) == f"{table.loc[0, 'expected_cents'] / 100:,.2f}"
    assert float(by_gmv.group(2)) == pytest.approx(100 * table.loc[1, "p_exceeds_entitlement"])
    written = pd.read_parquet("f/costs.parquet")
    pd.testing.assert_frame_equal(pd.read_csv("f/costs.csv"), written, check_dtype=False)
    assert list(written["model"]) == ["order_summary", "gmv"]
    assert list(written["first_month"]) == ["2026-01"] * 2
    assert list(written["last_month"]) == ["2026-12"] * 2
    pd.testing.assert_frame_equal(written[table.columns], table, check_dtype=False)
    assert sorted(p.name for p in Path("f").iterdir()) == [
        "backtest.csv", "backtest.parquet", "costs.csv", "costs.parquet", "forecast.csv",
        "forecast.parquet",
    ]  # fmt: skip
    assert f"wrote {Path('f').resolve() / 'costs.parquet'}" in out


def test_channels_the_sum_and_a_short_backtest(capsys) -> None:
    history = monthly_history("shops.csv", 30)
    assert main(["forecast", "--history", str(history), "--out", "all", *FAST]) == 0
    out = capsys.readouterr().out
    for name in ("Stores", "Web", "All channels"):
        assert f"{name}: Order Summaries created per month" in out
        assert f"{name}: GMV per month, currency units" in out
    assert out.count("on 6 held-out months (2025-01 to 2025-06)") == 6  # 30 less the 24 to fit
    args = ["--channel", "Stores", "--prices", str(EXAMPLE_PRICES), "--currency", "USD"]
    assert main(["forecast", "--history", str(history), *args, "--out", "stores", *FAST]) == 0
    out = capsys.readouterr().out
    assert "Stores: Order Summaries created per month" in out and "Web:" not in out
    assert "All channels:" not in out and "taken to be in USD" not in out
    assert "Licensing cost of one contract year (2025-07 to 2026-06), Stores, USD" in out
    # the same series, the same draws, whichever channels are forecast
    stores = pd.read_parquet("stores/forecast.parquet")
    everything = pd.read_parquet("all/forecast.parquet")
    pd.testing.assert_frame_equal(
        stores, everything[everything["channel"] == "Stores"].reset_index(drop=True)
    )
    assert main(["forecast", "--history", str(history), "--channel", "All channels", *FAST]) == 0
    out = capsys.readouterr().out
    assert "All channels: GMV per month" in out and "Stores:" not in out


def test_a_history_of_24_months_is_forecast_without_a_backtest(capsys) -> None:
    history = monthly_history("short.csv", 24, channels=("Web",))
    assert main(["forecast", "--history", str(history), "--out", "o", *FAST]) == 0
    out = capsys.readouterr().out
    assert out.count("backtest: no backtest: every complete month is needed to fit") == 2
    assert "report the baseline" in out
    written = pd.read_parquet("o/backtest.parquet")
    assert list(zip(written["measure"], written["method"], strict=True)) == [
        ("orders", "model"), ("orders", "seasonal_naive"),
        ("gmv_cents", "model"), ("gmv_cents", "seasonal_naive"),
    ]  # fmt: skip
    assert (written["n_months"] == 0).all() and written["smape_pct"].isna().all()
    assert not written["model_better"].any()
    assert written["verdict"].str.startswith("no backtest: every complete month").all()


def test_the_backtest_verdicts_are_written_beside_the_forecast(capsys) -> None:
    """``backtest.csv`` and ``.parquet``: a row per series and method, the metrics and the
    verdict printed, no money."""
    history = monthly_history("shops.csv", 30)
    assert main(["forecast", "--history", str(history), "--out", "b", *FAST]) == 0
    out = capsys.readouterr().out
    written = pd.read_parquet("b/backtest.parquet")
    pd.testing.assert_frame_equal(pd.read_csv("b/backtest.csv"), written, check_dtype=False)
    assert list(written.columns) == [
        "channel", "measure", "method", "n_months", "first_month", "last_month", "mape_pct",
        "smape_pct", "coverage_80", "coverage_95", "model_better", "verdict",
    ]  # fmt: skip
    assert not [c for c in written.columns if "cents" in c]  # money-free
    series = ["Stores", "Web", "All channels"]
    assert list(written["channel"]) == [c for c in series for _ in range(4)]
    assert list(written["method"]) == ["model", "seasonal_naive"] * 6
    loaded = read_history(history)
    for (channel, measure), rows in written.groupby(["channel", "measure"], sort=False):
        check = backtest(
            loaded,
            holdout_months=6,
            measure=measure,
            channel=None if channel == "All channels" else channel,
            n_paths=200,
            seed=0,
        )
        metrics = rows.set_index("method")[list(check.metrics.columns)]
        pd.testing.assert_frame_equal(metrics, check.metrics, check_dtype=False, check_names=False)
        assert (rows["verdict"] == check.verdict).all() and check.verdict in out
        assert (rows["model_better"] == check.model_better).all()
        assert (rows["first_month"] == "2025-01").all() and (rows["last_month"] == "2025-06").all()
    assert f"wrote {Path('b').resolve() / 'backtest.csv'}" in out


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """``omsim forecast ARGS`` must exit 2 with ``error: ...``, leaving nothing behind."""
    before = set(Path().iterdir())
    assert main(["forecast", *FAST, *args]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and "Traceback" not in captured.err
    assert captured.out == ""
    assert set(Path().iterdir()) == before, "an error left files behind"
    return captured.err


def test_a_negative_count_names_its_line_and_column(capsys) -> None:
    Path("bad.csv").write_text("date,orders\n2024-01-01,5\n2024-01-02,-3\n", encoding="utf-8")
    err = fails(capsys, "--history", "bad.csv")
    assert "bad.csv, line 3, column 'orders': -3 is negative" in err


@pytest.mark.parametrize("months", ["6", "37"])
def test_a_horizon_outside_12_to_36_months(capsys, months: str) -> None:
    err = fails(capsys, "--history", str(SAMPLE_HISTORY), "--horizon-months", months)
    assert f"--horizon-months: got {months}: " in err and "from 12 to 36" in err


def test_a_price_table_with_a_typo(capsys) -> None:
    text = EXAMPLE_PRICES.read_text(encoding="utf-8").replace("share_of_gmv:", "share_of_gvm:")
    Path("prices.yaml").write_text(text, encoding="utf-8")
    err = fails(capsys, "--history", str(SAMPLE_HISTORY), "--prices", "prices.yaml")
    assert (
        "prices.yaml" in err
        and "gmv.share_of_gvm: unknown key; did you mean 'share_of_gmv'?" in err
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--paths", "50"], "--paths: got 50: simulated paths, 100 or more"),
        (["--seed", "-1"], "--seed: got -1"),
        (["--currency", "USD"], "--currency: only with --prices"),
        (["--prices", str(EXAMPLE_PRICES), "--currency", "EUR"], "the price table is in USD"),
        (["--prices", "missing.yaml"], "missing.yaml: no such price table file"),
    ],
)
def test_bad_options_are_refused_before_the_forecast(
    capsys, extra: list[str], message: str
) -> None:
    err = fails(capsys, "--history", str(SAMPLE_HISTORY), *extra)
    assert message in err


def test_an_unknown_channel_lists_the_channels(capsys) -> None:
    err = fails(capsys, "--history", str(SAMPLE_HISTORY), "--channel", "Mobile")
    assert "has no channel 'Mobile'; it has: Web Store" in err


def test_prices_need_gmv_in_the_history(capsys) -> None:
    months = pd.period_range("2023-01", periods=30, freq="M").strftime("%Y-%m")
    rows = "\n".join(f"{month},{100 + i}" for i, month in enumerate(months))
    Path("counts.csv").write_text("date,orders\n" + rows + "\n", encoding="utf-8")
    err = fails(capsys, "--history", "counts.csv", "--prices", str(EXAMPLE_PRICES))
    assert "counts.csv: no GMV; licensing by GMV prices it" in err


def test_too_short_and_missing_histories(capsys) -> None:
    monthly_history("short.csv", 20)
    assert "short.csv: 20 complete months; a forecast needs at least 24" in fails(
        capsys, "--history", "short.csv"
    )
    assert "nope.csv: no such file" in fails(capsys, "--history", "nope.csv")


def test_an_out_that_cannot_be_written(capsys) -> None:
    Path("taken").write_text("a file", encoding="utf-8")
    err = fails(capsys, "--history", str(SAMPLE_HISTORY), "--out", "taken/forecast")
    assert "--out taken/forecast: " in err and "is a file, so no folder can be made under it" in err
    err = fails(capsys, "--history", str(SAMPLE_HISTORY), "--out", "taken")
    assert "--out taken: an existing file; give a new or empty folder" in err
    Path("full").mkdir()
    Path("full/notes.txt").write_text("mine", encoding="utf-8")
    err = fails(capsys, "--history", str(SAMPLE_HISTORY), "--out", "full")
    assert "--out full: an existing folder that is not empty" in err


def test_a_history_or_a_scenario_is_required(capsys) -> None:
    assert main(["forecast"]) == 2
    assert "--history" in capsys.readouterr().err


def test_simulate_and_growth_sd_are_for_a_scenario(capsys, tmp_path) -> None:
    history = str(SAMPLE_HISTORY)
    for option in (["--simulate", "3"], ["--growth-sd", "0.1"]):
        assert main(["forecast", "--history", history, *option, "--out", str(tmp_path / "x")]) == 2
        assert "only with a SCENARIO" in capsys.readouterr().err


def test_a_closed_pipe_still_writes_the_tables_and_prints_no_traceback(workdir: Path) -> None:
    """``omsim forecast --history FILE | head``: the reader leaves before the table ends."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # a reader that has already gone: every write to stdout fails
    try:
        done = subprocess.run(
            [sys.executable, "-m", "omsim.cli", "forecast", "--history", str(SAMPLE_HISTORY),
             *FAST, "--out", "out"],
            stdout=write_end, stderr=subprocess.PIPE, text=True, check=False, timeout=300,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 0
    assert sorted(p.name for p in (workdir / "out").iterdir()) == [
        "backtest.csv",
        "backtest.parquet",
        "forecast.csv",
        "forecast.parquet",
    ]


def test_a_history_path_that_cannot_be_read(capsys) -> None:
    Path("file.csv").write_text("date,orders\n", encoding="utf-8")
    assert "file.csv/inner.csv: cannot be read" in fails(capsys, "--history", "file.csv/inner.csv")
