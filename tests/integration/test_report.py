"""`omsim report --quick`: every shipped notebook executed by papermill at small parameters,
rendered as pages that open offline, and opened in headless Chromium.

The report is made once for the module (about a minute); the browser test needs Debian's
``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and is skipped, saying so,
where they are missing.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from omsim.cli import main
from omsim.reports import (
    NOTEBOOKS,
    ReportResult,
    loaded_resources,
    read_report,
    remote_resources,
)

pytestmark = pytest.mark.slow(cpu_seconds=40)  # notebooks executed by papermill, then a browser

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them: "
    "apt-get install chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder (``TMPDIR``) the report and its kernels run with."""
    return tmp_path_factory.mktemp("tmpdir")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, scratch: Path) -> ReportResult:
    """``omsim report --quick``, as a user would type it (the default scenario)."""
    out = tmp_path_factory.mktemp("report") / "quick"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(scratch))
        patch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
        status = main(["report", "--quick", "--out", str(out)])
    result = read_report(out)
    assert status == (1 if result.failed else 0)
    return result


def test_the_notebooks_leave_no_temporary_folder_behind(
    report: ReportResult, scratch: Path
) -> None:
    """Run folders made in a temporary folder are removed by the notebook that made them (a
    full report leaves tens of megabytes a run)."""
    assert not report.failed
    assert sorted(p.name for p in scratch.iterdir()) == []


def test_every_notebook_runs_at_quick_parameters(report: ReportResult) -> None:
    failed = {o.notebook: o.where for o in report.failed}
    assert not failed
    assert [o.notebook for o in report.outcomes] == [p.stem for p in NOTEBOOKS]
    for outcome in report.outcomes:
        executed = nbformat.read(report.folder / f"{outcome.notebook}.ipynb", as_version=4)
        errors = [
            o for c in executed.cells for o in c.get("outputs", []) if o["output_type"] == "error"
        ]
        assert not errors, outcome.notebook
        # warnings (a deprecation, a pandas PerformanceWarning, a missing widget) are bugs too
        stderr = [
            o["text"]
            for c in executed.cells
            for o in c.get("outputs", [])
            if o.get("name") == "stderr"
        ]
        assert not stderr, f"{outcome.notebook}: {stderr}"


def test_the_index_links_every_notebook_with_its_parameters_and_headline(
    report: ReportResult,
) -> None:
    index = report.index.read_text()
    links = re.findall(r'<a href="([^"]+)"', index)
    assert links == [f"{p.stem}.html" for p in NOTEBOOKS]
    for plan, outcome in zip(NOTEBOOKS, report.outcomes, strict=True):
        assert (report.folder / f"{plan.stem}.html").is_file()
        section = index.split(f'id="{plan.stem}"', 1)[1].split("</section>", 1)[0]
        for name in outcome.parameters:
            assert f"<th>{name}</th>" in section
        assert 'class="plotly-graph-div"' in section, f"{plan.stem}: no headline figure"


def test_pages_need_nothing_from_the_internet(report: ReportResult) -> None:
    for page in report.folder.glob("*.html"):
        text = page.read_text()
        assert not remote_resources(text), page.name
        assert "plotly.min.js" in loaded_resources(text), page.name
    assert (report.folder / "plotly.min.js").is_file()


# --- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        # this machine's network is closed: no background calls to Google's hosts
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


RENDERED = """return Array.from(document.querySelectorAll('.plotly-graph-div')).map(
    e => e.classList.contains('js-plotly-plot') && e.querySelector('svg.main-svg') !== null)"""


def open_page(driver, page: Path, wait: float = 30) -> tuple[list[bool], list[str]]:
    """Open ``page``; each plotly div's rendered flag (waiting up to ``wait`` seconds) and the
    console's errors."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop what an earlier page left
    driver.get(page.resolve().as_uri())
    # a figure that never renders is reported by the flags below
    with contextlib.suppress(TimeoutException):
        WebDriverWait(driver, wait).until(lambda d: all(d.execute_script(RENDERED)))
    flags = driver.execute_script(RENDERED)
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return flags, errors


@needs_chromium
def test_every_page_renders_its_figures_without_javascript_errors(
    report: ReportResult, browser
) -> None:
    pages = [report.index, *(report.folder / f"{p.stem}.html" for p in NOTEBOOKS)]
    for page in pages:
        flags, errors = open_page(browser, page)
        assert flags, f"{page.name}: no plotly figure"
        assert all(flags), f"{page.name}: {flags.count(False)} of {len(flags)} not rendered"
        assert not errors, f"{page.name}: {errors}"


@needs_chromium
def test_the_browser_check_sees_a_broken_page(report: ReportResult, browser) -> None:
    """The check above can fail: a script error and a figure that never draws are both seen."""
    broken = report.folder / "broken-page-check.html"
    broken.write_text(
        '<html><head><script src="plotly.min.js"></script></head><body>'
        '<div class="plotly-graph-div" id="never"></div>'
        "<script>undefinedFunction();</script></body></html>"
    )
    try:
        flags, errors = open_page(browser, broken, wait=2)
    finally:
        broken.unlink()
    assert flags == [False]
    assert any("undefinedFunction" in e for e in errors)


def test_the_quick_routing_comparison_delivers_parcels_in_every_replication(
    report: ReportResult,
) -> None:
    """Quick parameters still give figures to read: a strategy that delivered nothing would
    show 0 days to delivery and 0% on time, a "significant" difference of the horizon alone."""
    executed = nbformat.read(report.folder / "02-routing-strategy-comparison.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "finished, 0 failed" in printed
    assert "caution" not in printed, printed


def test_the_walkthrough_is_refused_where_its_text_says_and_nowhere_else(
    report: ReportResult,
) -> None:
    """The trainer's paragraphs tell what each step does: the cancel after allocation and the
    resolve while the gateway is down are refused, every other step (each milestone) happens."""
    executed = nbformat.read(report.folder / "01-order-lifecycle-walkthrough.ipynb", as_version=4)
    verdicts = []
    for cell in executed.cells:
        page = "".join(o.get("data", {}).get("text/html", "") for o in cell.get("outputs", []))
        step = re.search(
            r"<p class='(?:ok|refused|stopped)'><b>(\w+) (done|refused|stopped) at", page
        )
        if step:
            verdicts.append((step[1], step[2]))
    assert [action for action, verdict in verdicts if verdict != "done"] == ["cancel", "resolve"]
    assert ("exchange", "done") in verdicts and ("receive_return", "done") in verdicts
