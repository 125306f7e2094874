"""``omsim calibrate`` on the command line (`omsim.cli_calibrate`).

Each test runs in its own empty working folder, on two replications of two days of the
tutorial, serially. Bad input exits 2 with ``error: ...``, no traceback and nothing written,
before any replication runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from omsim.calibration import BANDS, bands_for
from omsim.cli import main

FAST = ["--horizon-days", "2", "--executor", "serial", "--quiet"]


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_calibrate_prints_the_table_and_writes_the_page(capsys) -> None:
    assert main(["calibrate", "tutorial", "-n", "2", "--seed", "5", *FAST,
                 "--write-docs", "calibration.md"]) == 0  # fmt: skip
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    out = captured.out
    assert "tutorial: 2 of 2 replications (seed 5)" in out
    assert "95% interval" in out and "verdict" in out
    for band in bands_for("tutorial"):
        assert band.name in out and band.source in out
    assert "no data" in out  # nothing matures in two days
    assert "wrote calibration.md" in out
    page = Path("calibration.md").read_text()
    assert "omsim calibrate tutorial -n 2 --seed 5 --horizon-days 2" in page
    assert "## tutorial" in page and "horizon 2 days" in page
    for band in bands_for("tutorial"):
        assert band.source in page
    assert [p.name for p in Path().iterdir()] == ["calibration.md"]  # no temporary left


def test_calibrate_without_docs_writes_nothing(capsys) -> None:
    assert main(["calibrate", "tutorial", "-n", "2", *FAST]) == 0
    out = capsys.readouterr().out
    assert "tutorial: 2 of 2 replications" in out
    assert list(Path().iterdir()) == []


def test_default_scenarios_are_the_calibrated_ones() -> None:
    from omsim.cli_calibrate import DEFAULT_SCENARIOS

    assert DEFAULT_SCENARIOS == ("regional_retailer", "peak_season")
    assert any(b.scenarios == ("peak_season",) for b in BANDS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no_such_scenario", "-n", "2"], "no_such_scenario"),
        (["tutorial", "-n", "1"], "at least 2 replications"),
        (["tutorial", "-n", "0"], "-n: got 0"),
        (["tutorial", "-n", "2", "--seed", "-1"], "--seed"),
        (["tutorial", "-n", "2", "--seed", str(2**63)], "--seed"),
        (["tutorial", "-n", "2", "--horizon-days", "0"], "--horizon-days"),
        (["tutorial", "-n", "2", "--workers", "0"], "workers"),
        (["tutorial", "-n", "2", "--write-docs", "."], "--write-docs"),
        (["tutorial", "-n", "2", "--write-docs", "missing/calibration.md"], "--write-docs"),
        (["tutorial", "tutorial", "-n", "2"], "twice"),
        (["tutorial", "no_such_scenario", "-n", "2"], "no_such_scenario"),  # before any run
    ],
)
def test_bad_input_fails_before_anything_runs(capsys, args: list[str], message: str) -> None:
    assert main(["calibrate", *args, "--executor", "serial", "--quiet"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and message in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""  # no table: nothing ran
    assert list(Path().iterdir()) == []
