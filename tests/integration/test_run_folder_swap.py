"""A run folder is complete or absent: the final swap into place never leaves a working folder."""

from __future__ import annotations

import sys

import pytest

import omsim.runfolder
from omsim.runfolder import run_to_folder, write_run_folder
from omsim.scenario import load_scenario
from omsim.sim.run import run


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("tutorial", horizon_days=0.3)


def _refuse(*args: object, **kwargs: object) -> None:
    raise OSError("the folder was taken away")


@pytest.mark.parametrize("streamed", [True, False])
def test_a_failed_swap_leaves_no_working_folder(scenario, tmp_path, monkeypatch, streamed) -> None:
    monkeypatch.setattr(omsim.runfolder.Path, "rename", _refuse)
    with pytest.raises(OSError, match="taken away"):
        if streamed:
            run_to_folder(scenario, tmp_path / "r", seed=1)
        else:
            write_run_folder(run(scenario, seed=1), tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_a_symbolic_link_is_replaced_and_what_it_points_to_is_kept(scenario, tmp_path) -> None:
    _, real = run_to_folder(scenario, tmp_path / "real", seed=1)
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(FileExistsError):
        run_to_folder(scenario, link, seed=2, force=False)
    _, folder = run_to_folder(scenario, link, seed=2)
    assert folder.is_dir() and not folder.is_symlink()
    assert (real / "metadata.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]
