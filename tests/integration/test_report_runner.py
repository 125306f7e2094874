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
