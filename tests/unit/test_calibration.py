"""`omsim.calibration`: the band registry, verdicts, the calibration table and the docs page."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import omsim
from omsim.calibration import (
    BANDS,
    COLUMNS,
    VERDICTS,
    Band,
    bands_for,
    calibration_table,
    cyber_monday_ratio,
    format_table,
    markdown,
    verdict,
)
from omsim.experiments import replicate
from omsim.experiments.design import scalar_kpis
from omsim.experiments.stats import t_interval
from omsim.scenario import load_scenario

FIGURES = Path(__file__).resolve().parents[2] / "docs" / "figures.md"
BAND = (0.15, 0.21)


def by_kpi(frame: pd.DataFrame, kpi: str) -> pd.Series:
    rows = frame[frame["kpi"] == kpi]
    assert len(rows) == 1, kpi
    return rows.iloc[0]


# --- verdicts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        ((0.16, 0.19), "in band"),
        ((0.15, 0.21), "in band"),  # the edges are inside
        ((0.17, 0.17), "in band"),  # every replication equal: a zero-width interval
        ((0.10, 0.149), "below"),
        ((0.22, 0.30), "above"),
        ((0.14, 0.16), "straddles"),
        ((0.20, 0.22), "straddles"),
        ((0.10, 0.30), "straddles"),  # wider than the band: not shown to be inside
    ],
)
def test_verdict_of_hand_made_intervals(interval: tuple[float, float], expected: str) -> None:
    assert verdict(interval, BAND) == expected


def test_verdict_takes_intervals_and_bands() -> None:
    band = next(b for b in BANDS if b.kpi == "matured_unit_return_rate.overall")
    assert verdict(t_interval([0.17, 0.18, 0.19]), band) == "in band"
    assert verdict(t_interval([0.10, 0.11, 0.12]), band) == "below"
    assert verdict(t_interval([0.10, 0.20, 0.30]), band) == "straddles"
    assert verdict(t_interval([0.30, 0.31]), band) == "above"


def test_verdict_reference_no_data_and_open_bands() -> None:
    assert verdict((0.5, 0.6), (None, None)) == "reference"
    assert verdict(t_interval([1.5, 1.7]), (None, None)) == "reference"
    assert verdict(t_interval([]), (None, None)) == "no data"
    assert verdict(t_interval([]), BAND) == "no data"
    assert verdict(t_interval([math.nan, None]), BAND) == "no data"
    assert verdict((math.nan, math.nan), BAND) == "no data"
    assert verdict(t_interval([0.17]), BAND) == "no interval"  # one value: no interval
    assert verdict((0.3, 0.4), (0.2, None)) == "in band"
    assert verdict((0.1, 0.4), (0.2, None)) == "straddles"
    assert verdict((0.1, 0.15), (0.2, None)) == "below"
    assert verdict((0.1, 0.15), (None, 0.12)) == "straddles"
    assert set(VERDICTS) >= {"in band", "below", "above", "straddles", "reference", "no data"}
    with pytest.raises(ValueError, match="low > high"):
        verdict((0.2, 0.1), BAND)


# --- the registry -----------------------------------------------------------------------------


def test_bands_are_fractions_with_sources() -> None:
    for band in BANDS:
        assert band.name and band.published and band.source and band.note, band
        if band.low is not None and band.high is not None:
            assert 0 <= band.low < band.high <= 1, band  # fractions, not percent
        assert (band.low is None) == (band.high is None), band
    ranged = {b.kpi: (b.low, b.high) for b in BANDS if not b.is_reference}
    assert ranged == {
        "matured_unit_return_rate.overall": (0.15, 0.21),
        "matured_unit_return_rate.apparel": (0.30, 0.40),
        "multi_unit_order_split_rate": (0.20, 0.40),
        "pickup_realised_share": (0.14, 0.18),
    }
    references = {b.kpi: b.reference for b in BANDS if b.is_reference}
    assert references["orders_with_3plus_origins_rate"] == 0.10
    assert references["units_per_package_store"] == 1.6
    assert references["units_per_package_warehouse"] == 2.3
    assert references["customer_cancel_rate"] is None
    assert "cancel_requests_refused_picked_share" in references
    assert "pickup_chosen_share" in references


def test_band_kpis_are_kpis_of_the_runs() -> None:
    """Every KPI named is a scalar kpis.json key or a key of the matured return breakdown."""
    known = set(scalar_kpis())
    for band in BANDS:
        if band.from_scenario is not None:
            continue
        if band.kpi.startswith("matured_unit_return_rate."):
            continue
        assert band.kpi in known, band.kpi
        if band.requires and not band.requires.endswith("."):
            assert band.requires in known, band.requires


def test_sources_are_those_of_figures_md() -> None:
    text = FIGURES.read_text()
    for band in BANDS:
        if band.source.startswith("no public figure"):
            continue
        for part in band.source.split("; "):
            assert part in text, part


def test_bands_for_scenarios() -> None:
    def kpis(name: str) -> list[str]:
        return [b.kpi for b in bands_for(name)]

    cyber = next(b for b in BANDS if b.from_scenario is not None).kpi
    assert cyber in kpis("peak_season")
    assert cyber not in kpis("regional_retailer")
    assert "multi_unit_order_split_rate" in kpis("regional_retailer")
    assert "multi_unit_order_split_rate" not in kpis("national_year")  # DCs ship everything
    assert "matured_unit_return_rate.overall" in kpis("my_variant")  # all-scenario bands


def test_cyber_monday_is_a_scenario_input() -> None:
    assert cyber_monday_ratio(load_scenario("peak_season")) == pytest.approx(3.4, abs=0.05)
    assert cyber_monday_ratio(load_scenario("peak_season", horizon_days=10)) is None
    assert cyber_monday_ratio(load_scenario("regional_retailer")) is None


# --- the table --------------------------------------------------------------------------------


def fake_result() -> SimpleNamespace:
    """Three replications, by hand: what `ExperimentResult.replications` holds."""
    return SimpleNamespace(
        scenario="regional_retailer",
        replications=pd.DataFrame(
            {
                "replication": [0, 1, 2],
                "matured_unit_return_rate.overall": [0.17, 0.18, 0.19],
                "matured_unit_return_rate.home": [0.1, 0.1, 0.1],
                # no apparel column: none matured
                "multi_unit_order_split_rate": [0.25, 0.26, 0.0],
                "multi_unit_orders_shipped": [40, 50, 0],  # the third shipped none: no data
                "orders_with_3plus_origins_rate": [0.05, 0.06, 0.0],
                "pickup_realised_share": [0.10, 0.11, 0.12],
                "pickup_chosen_share": [0.16, 0.15, 0.17],
                "checkouts_placed": [100, 100, 100],
                "units_per_package_store": [1.5, 1.7, math.nan],
                "parcels_shipped": [80, 80, 80],
                # units_per_package_warehouse, customer_cancel_rate: missing
                "cancel_requests": [0, 0, 0],
                "cancel_requests_refused_picked_share": [0.0, 0.0, 0.0],
            }
        ),
    )


def test_calibration_table_of_hand_made_replications() -> None:
    frame = calibration_table(fake_result(), bands_for("peak_season"))
    assert list(frame.columns) == COLUMNS
    assert len(frame) == len(bands_for("peak_season"))
    overall = by_kpi(frame, "matured_unit_return_rate.overall")
    assert overall["mean"] == pytest.approx(0.18)
    assert overall["n"] == 3 and overall["verdict"] == "in band"
    interval = t_interval([0.17, 0.18, 0.19])
    assert (overall["ci_low"], overall["ci_high"]) == pytest.approx((interval.low, interval.high))
    assert overall["band"] == "0.15-0.21"
    apparel = by_kpi(frame, "matured_unit_return_rate.apparel")
    assert apparel["verdict"] == "no data" and apparel["n"] == 0 and math.isnan(apparel["mean"])
    split = by_kpi(frame, "multi_unit_order_split_rate")  # the empty third replication left out
    assert split["n"] == 2 and split["mean"] == pytest.approx(0.255)
    assert split["verdict"] == "straddles"  # two close values, but t(1) is wide
    assert by_kpi(frame, "pickup_realised_share")["verdict"] == "below"
    store = by_kpi(frame, "units_per_package_store")
    assert store["verdict"] == "reference" and store["n"] == 2 and store["band"] == "ref 1.6"
    assert by_kpi(frame, "units_per_package_warehouse")["verdict"] == "no data"
    assert by_kpi(frame, "customer_cancel_rate")["verdict"] == "no data"
    assert by_kpi(frame, "cancel_requests_refused_picked_share")["n"] == 0  # no requests
    cyber = frame[frame["figure"].str.startswith("Cyber Monday")].iloc[0]
    assert cyber["verdict"] == "no data"  # no scenario given to compute it from
    text = format_table(frame)
    for figure in frame["figure"]:
        assert figure in text
    for source in frame["source"]:
        assert source in text


def test_a_matured_rate_without_a_cohort_is_no_data() -> None:
    """The KPI gives overall 0.0 when nothing matured: that is no data, not a rate of 0."""
    result = SimpleNamespace(
        replications=pd.DataFrame({"matured_unit_return_rate.overall": [0.0, 0.0]})
    )
    frame = calibration_table(result, [b for b in BANDS if b.kpi.startswith("matured")])
    assert list(frame["verdict"]) == ["no data", "no data"]
    assert list(frame["n"]) == [0, 0]


def test_cyber_monday_row_from_the_scenario() -> None:
    cyber = [b for b in BANDS if b.from_scenario is not None]
    frame = calibration_table(fake_result(), cyber, load_scenario("peak_season"))
    row = frame.iloc[0]
    assert row["mean"] == pytest.approx(3.4, abs=0.05)
    assert row["verdict"] == "reference" and row["n"] == 0
    assert "not a simulated output" in row["kpi"]


def test_a_band_on_a_scenario_input_is_judged_on_its_value() -> None:
    band = Band("x", "input", 3.0, 4.0, "3.4", "s", None, "n", from_scenario=lambda s: 3.5)
    frame = calibration_table(fake_result(), [band], load_scenario("tutorial"))
    assert frame.iloc[0]["verdict"] == "in band"


@pytest.fixture(scope="module")
def tutorial_result():
    scenario = load_scenario("tutorial", horizon_days=2)
    return scenario, replicate(scenario, 2, seed=3, executor="serial", progress=False)


def test_calibration_table_of_a_real_replicate(tutorial_result) -> None:
    scenario, result = tutorial_result
    frame = calibration_table(result, bands_for("tutorial"), scenario)
    assert list(frame.columns) == COLUMNS
    assert set(frame["verdict"]) <= set(VERDICTS)
    for kpi in ("multi_unit_order_split_rate", "pickup_realised_share", "customer_cancel_rate"):
        assert by_kpi(frame, kpi)["n"] == 2, kpi  # the names are the replications' columns
    # two days: no order delivered 30 days before the end
    assert by_kpi(frame, "matured_unit_return_rate.overall")["verdict"] == "no data"


# --- the page ---------------------------------------------------------------------------------


def test_markdown_has_every_source_and_how_it_was_made(tutorial_result) -> None:
    scenario, result = tutorial_result
    frames = {
        "tutorial": calibration_table(result, bands_for("tutorial"), scenario),
        "peak_season": calibration_table(result, bands_for("peak_season"), scenario),
    }
    page = markdown(frames, 2, 3, date=dt.date(2026, 12, 1))
    assert "make calibration" in page
    assert f"omsim {omsim.__version__}" in page and "2026-12-01" in page
    assert "2 replications" in page and "seed 3" in page
    assert "## tutorial" in page and "## peak_season" in page
    for band in BANDS:  # peak_season's bands are every band
        assert band.source in page, band.source
        assert band.note in page, band.name
    for word in ("TODO", "TBD", "placeholder", "| nan", "nan |"):
        assert word not in page
    seeds = markdown(frames, 2, {"tutorial": 7, "peak_season": 2026})
    assert "seed 7" in seeds and "seed 2026" in seeds
