"""The report runner on small synthetic notebooks: what runs, what fails, what the pages hold.

The real notebooks are run by `test_report.py`; here each notebook takes a second, so the
runner's own behaviour (a failing notebook, bad input, the offline page) is checked quickly.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from omsim.cli import main
from omsim.reports import (
    NotebookPlan,
    ReportError,
    loaded_resources,
    notebook_html,
    remote_resources,
    run_report,
)
from omsim.scenario import ScenarioError

FIGURE = (
    "import plotly.graph_objects as go\n"
    "fig = go.Figure(go.Bar(x=['a', 'b'], y=[n, 2 * n]), layout={'title': scenario})\n"
    "fig"
)


def write_notebook(path: Path, *extra: str) -> Path:
    """A notebook: a title, typed parameters, a headline figure, then ``extra`` code cells."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    parameters = nbformat.v4.new_code_cell(
        'scenario: str = "tutorial"  # a scenario\nn: int = 1  # bar height'
    )
    parameters.metadata["tags"] = ["parameters"]
    headline = nbformat.v4.new_code_cell(FIGURE)
    headline.metadata["tags"] = ["headline"]
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# A test notebook\nWhat does it show?"),
        parameters,
        headline,
        *(nbformat.v4.new_code_cell(code) for code in extra),
    ]
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("notebooks")
    write_notebook(folder / "good.ipynb", "print('n is', n)")
    write_notebook(folder / "bad.ipynb", "x = 1", "raise RuntimeError('the figure is broken')")
    return folder


PLANS = (
    NotebookPlan("bad.ipynb", "Bad", "tests", {"n": 3}, {"n": 2}),
    NotebookPlan("good.ipynb", "Good", "tests", {"n": 3}, {"n": 2}),
)


@pytest.fixture(scope="module")
def report(sources: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("reports") / "r"
    return run_report("tutorial", quick=True, out=out, notebooks=PLANS, notebooks_dir=sources)


def test_a_failing_notebook_is_reported_with_its_cell_and_the_others_still_run(report) -> None:
    bad, good = report.outcomes
    assert (bad.status, good.status) == ("failed", "ok")
    # cells counted as in the committed notebook: title 1, parameters 2, figure 3, x = 1 4
    assert bad.failed_cell == 5
    assert bad.failed_source == "raise RuntimeError('the figure is broken')"
    assert bad.error == "RuntimeError: the figure is broken"
    assert bad.where == "cell 5 (raise RuntimeError('the figure is broken')): " + bad.error
    assert report.failed == [bad]
    # the failed notebook still has its page, up to the failing cell
    assert (report.folder / "bad.html").is_file()
    index = report.index.read_text()
    assert "failed at cell 5" in index and "the figure is broken" in index


def test_parameters_are_the_quick_ones_and_the_scenario_an_absolute_path(report) -> None:
    good = report.outcomes[1]
    assert good.parameters["n"] == 2
    assert Path(good.parameters["scenario"]).is_absolute()
    assert good.parameters["scenario"].endswith("tutorial.yaml")
    executed = nbformat.read(report.folder / "good.ipynb", as_version=4)
    printed = [o.get("text", "") for c in executed.cells for o in c.get("outputs", [])]
    assert "n is 2\n" in printed
    saved = json.loads((report.folder / "report.json").read_text())
    assert [n["notebook"] for n in saved["notebooks"]] == ["bad", "good"]
    assert saved["notebooks"][1]["parameters"]["n"] == 2 and saved["quick"] is True


def test_pages_load_plotly_from_beside_them_and_nothing_from_the_internet(report) -> None:
    assert (report.folder / "plotly.min.js").stat().st_size > 1_000_000
    for page in ("index.html", "good.html", "bad.html"):
        text = (report.folder / page).read_text()
        assert "plotly.min.js" in loaded_resources(text)
        assert not remote_resources(text), page
        assert "cdn." not in text.lower()


def test_remote_resources_are_what_a_page_would_fetch() -> None:
    page = (
        '<link rel="stylesheet" href="//fonts.example/f.css"><a href="https://pm4py.org">x</a>'
        "<style>@import 'https://cdn.example/a.css'; b { background: url(img.png) }</style>"
        '<IMG SRC="http://example.org/i.png"><script src="plotly.min.js"></script>'
    )
    assert loaded_resources(page) == [
        "//fonts.example/f.css",
        "https://cdn.example/a.css",
        "img.png",
        "http://example.org/i.png",
        "plotly.min.js",
    ]
    assert remote_resources(page) == [
        "//fonts.example/f.css",
        "https://cdn.example/a.css",
        "http://example.org/i.png",
    ]


def test_the_figure_is_drawn_from_its_json_and_the_index_shows_the_headline(report) -> None:
    page = (report.folder / "good.html").read_text()
    assert page.count('class="plotly-graph-div"') == 1
    assert '"y":[2,4]' in page.replace(" ", "")  # n = 2: the bar heights from the kernel
    index = report.index.read_text()
    assert index.count('class="plotly-graph-div"') == 1  # the good one's headline only
    assert 'href="good.html"' in index and 'href="bad.html"' in index
    assert "<th>n</th><td><code>2</code></td>" in index


def test_notebook_html_turns_plotly_json_into_a_div(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("fig")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"application/vnd.plotly.v1+json": {"data": [{"type": "bar", "y": [7]}]}},
        )
    ]
    notebook.cells = [cell]
    path = tmp_path / "x.ipynb"
    nbformat.write(notebook, path)
    page = notebook_html(path)
    assert 'id="figure-0-0"' in page and "Plotly.newPlot" in page
    assert "application/vnd.plotly.v1+json" not in page


def test_bad_input_is_refused_before_any_notebook_runs(sources: Path, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such scenario"):
        run_report("no_such_scenario", notebooks=PLANS, notebooks_dir=sources, root=tmp_path)
    with pytest.raises(ReportError, match=r"missing\.ipynb not found"):
        run_report(
            "tutorial",
            notebooks=(NotebookPlan("missing.ipynb", "M", "x"),),
            notebooks_dir=sources,
            root=tmp_path,
        )
    (tmp_path / "taken").mkdir()
    with pytest.raises(ReportError, match="already exists"):
        run_report("tutorial", out=tmp_path / "taken", notebooks=PLANS, notebooks_dir=sources)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]  # no report folder begun


def test_cli_exit_status_says_a_notebook_failed(
    sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import omsim.reports

    plans = (NotebookPlan("good.ipynb", "Good", "tests", {"n": 1}),)
    bad = (*plans, NotebookPlan("bad.ipynb", "Bad", "tests"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(omsim.reports, "NOTEBOOKS", plans)
        status = main(["report", "--notebooks", str(sources), "--out", str(tmp_path / "a")])
        out = capsys.readouterr()
        assert status == 0, out.err
        assert out.out.rstrip().endswith(str((tmp_path / "a" / "index.html").resolve()))
        patch.setattr(omsim.reports, "NOTEBOOKS", bad)
        status = main(["report", "--notebooks", str(sources), "--out", str(tmp_path / "b")])
        out = capsys.readouterr()
        assert status == 1
        assert "error: bad failed at cell 5" in out.err
        status = main(["report", "--scenario", "nope", "--out", str(tmp_path / "c")])
        assert status == 2 and "no such scenario" in capsys.readouterr().err
        assert not (tmp_path / "c").exists()


def test_a_scenario_a_run_would_refuse_stops_the_report_before_any_notebook(
    sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `omsim run` refuses (here an unknown routing strategy, which loads but cannot run),
    a file that is not text, and an empty name: each stopped with exit 2, no report folder."""
    from omsim.scenario.loading import SCENARIO_DIR

    unknown = tmp_path / "unknown_strategy.yaml"
    unknown.write_text(
        f"extends: {SCENARIO_DIR / 'tutorial.yaml'}\nname: unknown\nrouting:\n  strategy: bogus\n"
    )
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00 not text")
    root = tmp_path / "reports"
    with pytest.raises(ScenarioError, match=r"routing\.strategy"):
        run_report(str(unknown), notebooks=PLANS, notebooks_dir=sources, root=root)
    with pytest.raises(ScenarioError, match="not UTF-8 text"):
        run_report(str(binary), notebooks=PLANS, notebooks_dir=sources, root=root)
    with pytest.raises(ScenarioError, match="empty"):
        run_report("", notebooks=PLANS, notebooks_dir=sources, root=root)
    assert not root.exists()
    for scenario in (unknown, binary):
        status = main(["report", "--scenario", str(scenario), "--out", str(tmp_path / "out")])
        err = capsys.readouterr().err
        assert status == 2 and err.startswith("error: "), err
        assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_kernel_that_dies_is_reported_with_the_cell_it_was_running(
    sources: Path, tmp_path: Path
) -> None:
    write_notebook(sources / "dies.ipynb", "x = 1", "import os\nos._exit(3)", "print('never')")
    result = run_report(
        "tutorial",
        out=tmp_path / "r",
        notebooks=(NotebookPlan("dies.ipynb", "Dies", "tests"), PLANS[1]),
        notebooks_dir=sources,
    )
    dies, good = result.outcomes
    assert good.ok
    assert dies.status == "failed" and "DeadKernelError" in str(dies.error)
    assert dies.failed_cell == 5  # title 1, parameters 2, figure 3, x = 1 4
    assert dies.failed_source == "import os"
    assert dies.where.startswith("cell 5 (import os): DeadKernelError")
    assert "failed at cell 5" in result.index.read_text()


def test_an_interrupted_report_still_writes_its_index_of_what_ran(
    sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C in the second notebook: the first is kept, the second marked interrupted, the
    third not run, in index.html and report.json; the command exits 130 naming the index."""
    import papermill

    import omsim.reports

    execute = papermill.execute_notebook

    def interrupted_in_bad(source: str, *args, **kwargs):
        if source.endswith("bad.ipynb"):
            raise KeyboardInterrupt
        return execute(source, *args, **kwargs)

    plans = (PLANS[1], PLANS[0], NotebookPlan("good.ipynb", "Good again", "tests"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(papermill, "execute_notebook", interrupted_in_bad)
        with pytest.raises(KeyboardInterrupt):
            run_report("tutorial", out=tmp_path / "r", notebooks=plans, notebooks_dir=sources)
        patch.setattr(omsim.reports, "NOTEBOOKS", plans)
        status = main(["report", "--notebooks", str(sources), "--out", str(tmp_path / "cli")])
    err = capsys.readouterr().err
    assert status == 130
    assert str((tmp_path / "cli" / "index.html").resolve()) in err
    for folder in (tmp_path / "r", tmp_path / "cli"):
        saved = json.loads((folder / "report.json").read_text())
        assert [n["status"] for n in saved["notebooks"]] == ["ok", "interrupted", "not run"]
        assert saved["interrupted"] is True
        index = (folder / "index.html").read_text()
        assert "interrupted" in index and "not run" in index
        assert 'href="good.html"' in index


def test_the_mining_notebook_without_pm4py_runs_and_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the `mining` extra notebook 05 still runs: it simulates, prints the install
    message in place of each mining section, and draws no figure (pm4py hidden from the kernel
    by a ``pm4py`` package that cannot be imported, first on its ``PYTHONPATH``)."""
    import os

    from omsim.analysis.mining import PM4PY_MISSING
    from omsim.reports import NOTEBOOKS

    blocker = tmp_path / "blocked" / "pm4py"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('pm4py hidden by the test')\n")
    path = os.pathsep.join(filter(None, [str(blocker.parent), os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", path)
    (plan,) = [p for p in NOTEBOOKS if p.stem == "05-process-mining"]
    result = run_report("tutorial", quick=True, out=tmp_path / "r", notebooks=(plan,))
    (outcome,) = result.outcomes
    assert outcome.ok, outcome.where
    executed = nbformat.read(result.folder / plan.file, as_version=4)
    outputs = [o for c in executed.cells for o in c.get("outputs", [])]
    printed = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    assert printed.count(PM4PY_MISSING) == 2 and "events" in printed
    assert not [o for o in outputs if o.get("name") == "stderr" or o["output_type"] == "error"]
    assert not [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]


def test_a_long_temporary_folder_still_starts_the_kernels(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernels' IPC sockets live in the temporary folder; a socket path has a limit (107
    bytes on Linux), so under a deep ``TMPDIR`` the kernel talks over TCP instead of failing
    to start (papermill would wait a minute per notebook, then fail each)."""
    import tempfile

    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(deep))
    monkeypatch.setattr(tempfile, "tempdir", None)
    result = run_report("tutorial", out=tmp_path / "r", notebooks=PLANS[1:], notebooks_dir=sources)
    assert [o.status for o in result.outcomes] == ["ok"], result.outcomes[0].where
    assert result.outcomes[0].seconds < 30
