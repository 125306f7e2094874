"""``omsim run`` with bad input: exit status 2, ``error: ...`` naming the field and what is
allowed, no traceback, no run folder left, all before the clock starts.

Each test runs in its own empty working folder (so the default ``reports/runs/...`` lands in
it) and checks that nothing but the files it wrote itself is there afterwards.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

import pytest

import omsim
import omsim.cli
import omsim.folders
from omsim.cli import main
from omsim.scenario import SCENARIO_DIR

TUTORIAL = SCENARIO_DIR / "tutorial.yaml"


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def variant(text: str, name: str = "variant.yaml") -> Path:
    """A scenario file in the working folder extending the shipped tutorial."""
    path = Path(name)
    path.write_text(f"extends: {TUTORIAL}\n{text}", encoding="utf-8")
    return path


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run ``omsim run ARGS --quiet``; it must fail with status 2; the error text."""
    before = set(Path().iterdir())
    assert main(["run", *args, "--quiet"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and "Traceback" not in captured.err
    assert set(Path().iterdir()) == before, "an error left files behind"
    assert not Path("reports").exists()
    return captured.err


# --- scenario: what needs code or the network --------------------------------------------------


def test_unknown_routing_strategy_lists_the_registered_ones(capsys) -> None:
    err = fails(capsys, str(variant("routing: {strategy: fastest_possible}")))
    assert "variant.yaml" in err and "routing.strategy: got 'fastest_possible'" in err
    assert "'fewest_splits', 'nearest_warehouse', 'ship_from_store', 'lowest_cost'" in err


def test_dotted_strategy_that_cannot_import(capsys) -> None:
    err = fails(capsys, str(variant('routing: {strategy: "nosuch.module:fn"}')))
    assert "routing.strategy: got 'nosuch.module:fn'" in err and "No module named 'nosuch'" in err


def test_dotted_strategy_with_the_wrong_signature(capsys) -> None:
    err = fails(capsys, str(variant('routing: {strategy: "math:sqrt"}')))
    assert "routing.strategy: got 'math:sqrt'" in err
    assert "4 positional arguments (request, availability, matrix, options)" in err


def test_unknown_flow_trigger_lists_the_triggers(capsys) -> None:
    err = fails(capsys, str(variant('flows: {order_shiped: "math:hypot"}')))
    assert "flows.order_shiped: unknown trigger 'order_shiped'" in err
    assert "triggers: order_arrived, order_summary_created, fulfillment_order_created" in err


def test_flow_that_cannot_import_or_has_the_wrong_signature(capsys) -> None:
    text = 'flows: {fulfillment_order_created: "nosuch.module:fn", parcel_delivered: "math:sqrt"}'
    err = fails(capsys, str(variant(text)))
    assert "2 problem(s)" in err
    assert "flows.fulfillment_order_created: got 'nosuch.module:fn': cannot load" in err
    assert "flows.parcel_delivered: got 'math:sqrt'" in err and "(env, model, record)" in err


def test_store_closure_at_an_unknown_location_lists_the_locations(capsys) -> None:
    text = (
        "faults:\n  store_closures: [{location: ST-dublin, start: 2026-09-08, end: 2026-09-09}]\n"
    )
    err = fails(capsys, str(variant(text)))
    assert "faults.store_closures[0].location: got 'ST-dublin': no such location" in err
    assert "locations: DC-groveport, ST-cincinnati, ST-columbus" in err


def test_site_outage_at_an_unknown_location(capsys) -> None:
    text = "fulfillment:\n  outages: [{location: DC-nowhere, start: 2026-09-08, end: 2026-09-09}]\n"
    err = fails(capsys, str(variant(text)))
    assert "fulfillment.outages[0].location: got 'DC-nowhere'" in err and "DC-groveport" in err


def test_fault_window_outside_the_horizon_is_a_warning_and_the_run_goes_on(capsys) -> None:
    text = "faults:\n  gateway_outages: [{start: 2020-01-01, end: 2020-01-02}]\n"
    path = variant(text)
    assert main(["run", str(path), "--horizon-days", "0.5", "--out", "r", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: ") and "faults.gateway_outages[0]" in err
    assert "wholly outside the run" in err and err.count("warning:") == 1
    assert (Path("r") / "metadata.json").exists()


# --- scenario: schema ---------------------------------------------------------------------------


def test_price_zero_and_negative_weight_are_refused_not_clamped(capsys) -> None:
    text = (
        "catalog:\n  n_skus: 10\n  categories:\n"
        "    - {name: a, share: 1, price_cents: {dist: constant, value: 0},"
        " weight_kg: {dist: uniform, low: 0, high: 1}}\n"
        "    - {name: b, share: 1, price_cents: {dist: lognormal, mean: 900, sd: 100},"
        " weight_kg: {dist: constant, value: -0.5}}\n"
    )
    err = fails(capsys, str(variant(text)))
    assert "2 problem(s)" in err
    assert "catalog.categories.0.price_cents" in err and "unit prices must be > 0" in err
    assert "catalog.categories.1.weight_kg" in err and "weights must be >= 0" in err


def test_unknown_currency_is_refused(capsys) -> None:
    err = fails(capsys, str(variant("currency: usd\n")))
    assert "currency: got 'usd': not an ISO 4217 currency code" in err and "'USD'" in err


def test_unsafe_name_is_refused_and_nothing_escapes(capsys, workdir: Path) -> None:
    err = fails(capsys, str(variant('name: "../../escape"\n')))
    assert "name: got '../../escape'" in err and "letters, digits" in err
    assert not (workdir.parent / "escape-seed0").exists()


def test_extends_of_a_missing_file_names_the_file_holding_it(capsys) -> None:
    Path("child.yaml").write_text("extends: nowhere/base.yaml\nname: child\n", encoding="utf-8")
    err = fails(capsys, "child.yaml")
    assert "child.yaml: extends: got 'nowhere/base.yaml': no such file" in err
    assert str(Path("nowhere/base.yaml").resolve()) in err


def test_no_such_scenario(capsys) -> None:
    err = fails(capsys, "no_such_scenario")
    assert "no such scenario file; shipped scenarios:" in err and "tutorial" in err


# --- command line -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", ["-1", str(2**63)])
def test_seed_out_of_range(capsys, seed: str) -> None:
    err = fails(capsys, "tutorial", "--seed", seed)
    assert f"command line --seed: got {seed}: a seed is an integer in [0, 2**63)" in err


@pytest.mark.parametrize("days", ["inf", "nan", "0", "-2"])
def test_horizon_out_of_range_is_blamed_on_the_command_line(capsys, days: str) -> None:
    err = fails(capsys, "tutorial", "--horizon-days", days)
    assert "command line --horizon-days: got" in err and "a finite number of days > 0" in err
    assert "tutorial.yaml" not in err


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out == f"omsim {omsim.__version__}\n"


# --- the run folder -----------------------------------------------------------------------------


def test_out_is_an_existing_file(capsys) -> None:
    Path("taken").write_text("not a folder")
    err = fails(capsys, "tutorial", "--out", "taken")
    assert "--out taken: an existing file, not a folder" in err
    assert Path("taken").read_text() == "not a folder"


def test_out_under_a_file(capsys) -> None:
    Path("taken").write_text("not a folder")
    err = fails(capsys, "tutorial", "--out", "taken/run")
    assert "--out taken/run:" in err and "is a file, so no folder can be made under it" in err


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="permissions do not bind root"
)
def test_out_where_nothing_can_be_written(capsys) -> None:
    locked = Path("locked")
    locked.mkdir()
    locked.chmod(0o500)
    try:
        err = fails(capsys, "tutorial", "--out", "locked/run")
    finally:
        locked.chmod(0o700)
    assert "--out locked/run: cannot write in" in err


def test_out_on_a_read_only_file_system(capsys, monkeypatch) -> None:
    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(omsim.folders.tempfile, "TemporaryDirectory", read_only)
    err = fails(capsys, "tutorial", "--out", "deep/er/run")
    assert f"--out deep/er/run: cannot write in {Path.cwd()} (Read-only file system)" in err


def test_existing_run_folder_is_refused_without_force_and_replaced_with_it(capsys) -> None:
    args = ["run", "tutorial", "--horizon-days", "0.5", "--out", "r", "--quiet"]
    assert main([*args, "--ocel"]) == 0
    assert (Path("r") / "ocel.json").exists()
    capsys.readouterr()
    err = fails(capsys, "tutorial", "--horizon-days", "0.5", "--out", "r")
    assert "--out r: the run folder already exists; give --force to replace it" in err
    assert (Path("r") / "ocel.json").exists(), "the earlier run was touched"
    assert main([*args, "--force"]) == 0
    assert (Path("r") / "metadata.json").exists()
    assert not (Path("r") / "ocel.json").exists(), "a file of the earlier run was kept"
    assert sorted(p.name for p in Path().iterdir()) == ["r"], "a partial folder was left"


def test_force_does_not_replace_a_folder_that_is_not_a_run_folder(capsys) -> None:
    Path("mine").mkdir()
    (Path("mine") / "notes.txt").write_text("keep me")
    err = fails(capsys, "tutorial", "--out", "mine", "--force")
    assert "not an omsim run folder (no metadata.json)" in err
    assert (Path("mine") / "notes.txt").read_text() == "keep me"


def test_default_run_folder_is_refused_too_and_named_as_such(capsys) -> None:
    args = ["run", "tutorial", "--horizon-days", "0.5", "--seed", "4", "--quiet"]
    assert main(args) == 0
    folder = Path("reports", "runs", "tutorial-seed4")
    assert (folder / "metadata.json").exists()
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: run folder {folder}: the run folder already exists")
    assert sorted(p.name for p in folder.parent.iterdir()) == ["tutorial-seed4"]


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_out_a_symbolic_link_is_refused_before_the_run(capsys) -> None:
    args = ["run", "tutorial", "--horizon-days", "0.2", "--out", "real", "--quiet"]
    assert main(args) == 0
    Path("link").symlink_to("real")
    capsys.readouterr()
    err = fails(capsys, "tutorial", "--horizon-days", "0.2", "--out", "link", "--force")
    assert "--out link: a symbolic link" in err
    assert (Path("real") / "metadata.json").exists()


def test_a_scenario_that_is_not_a_yaml_text_file(capsys, workdir: Path) -> None:
    """Binary files, folders and an empty name: an error naming the path, no traceback."""
    Path("binary.yaml").write_bytes(b"name: x\n\xd0\x00\xff")
    assert "binary.yaml: not UTF-8 text" in fails(capsys, "binary.yaml")
    Path("folder").mkdir()
    assert "folder: a folder, not a scenario file" in fails(capsys, "folder")
    assert "scenario: empty" in fails(capsys, "")
