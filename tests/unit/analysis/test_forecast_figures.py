"""The licensing forecast notebook's figures hold the forecast's, backtest's and costs' numbers,
in display units (counts, the currency's major units), on a small synthetic history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omsim.analysis import forecast_figures as ff
from omsim.analysis import license_figures as lf
from omsim.analysis.license_prices import EXAMPLE_PRICES, load_price_table, price_table_from_dict
from omsim.forecast import backtest, forecast_history, parse_history
from omsim.forecast.backtest import synthetic_daily_history
from omsim.forecast.costs import forecast_costs

START = "2023-01-15"  # mid-month: the first month is partial, and so is the last
N_PATHS = 200


@pytest.fixture(scope="module")
def history():
    frames = [
        synthetic_daily_history(seed=1, start=START, n_days=1100, aov_cents=6_000, channel="Web"),
        synthetic_daily_history(
            seed=2, start=START, n_days=1100, base_orders=150, aov_cents=9_000, channel="Stores"
        ),
    ]
    text = pd.concat(frames, ignore_index=True).to_csv(index=False, lineterminator="\n")
    return parse_history(text, source="two-channels.csv")


@pytest.fixture(scope="module")
def forecast(history):
    return forecast_history(history, horizon_months=12, n_paths=N_PATHS, seed=3)


@pytest.fixture(scope="module")
def prices():
    return load_price_table(EXAMPLE_PRICES)


def _trace(fig, name: str):
    (trace,) = [t for t in fig.data if t.name == name]
    return trace


def _model_rows(series) -> pd.DataFrame:
    table = series.table()
    return table[table["method"] == "model"].reset_index(drop=True)


# --- series and history -----------------------------------------------------------------------


def test_series_of_picks_the_channel_and_the_sum_and_names_what_exists(forecast) -> None:
    assert ff.series_of(forecast, "orders").channel == "All channels"
    web = ff.series_of(forecast, "gmv_cents", "Web")
    assert (web.channel, web.measure) == ("Web", "gmv_cents")
    with pytest.raises(ValueError, match=r"channel 'Online': the forecast has .*Stores.*Web"):
        ff.series_of(forecast, "orders", "Online")
    with pytest.raises(ValueError, match=r"measure 'gmv': allowed orders, gmv_cents"):
        ff.series_of(forecast, "gmv")


def test_history_months_leaves_out_the_partial_first_and_last_months(history) -> None:
    months = ff.history_months(history, "orders", "Web")
    assert months["month"].iloc[0] == "2023-02"
    last_day = history.last_date
    assert months["month"].iloc[-1] == (last_day.to_period("M") - 1).strftime("%Y-%m")
    web = history.frame[history.frame["channel"] == "Web"]
    february = web[web["date"].dt.strftime("%Y-%m") == "2023-02"]["orders"].sum()
    assert months["value"].iloc[0] == february
    assert months["start"].iloc[0] == pd.Timestamp("2023-02-01")


# --- the fan chart ----------------------------------------------------------------------------


def test_fan_chart_draws_history_bands_median_and_baseline_of_the_series(history, forecast) -> None:
    fig = ff.fig_fan_chart(history, forecast, "orders", "Stores")
    assert [t.name for t in fig.data] == [
        "History",
        "95% interval",
        "80% interval",
        "Model forecast (median)",
        "Seasonal-naive baseline",
    ]
    series = ff.series_of(forecast, "orders", "Stores")
    model = _model_rows(series)
    months = list(series.months.to_timestamp())
    assert series.n_observed_days[0] > 0  # the history ends mid-month: observed days included
    past = ff.history_months(history, "orders", "Stores")
    np.testing.assert_allclose(_trace(fig, "History").y, past["value"])
    for name, low, high in (("95% interval", "p2_5", "p97_5"), ("80% interval", "p10", "p90")):
        band = _trace(fig, name)
        assert list(band.x) == months + months[::-1]
        np.testing.assert_allclose(band.y, [*model[high], *model[low][::-1]])
        assert band.fill == "toself"
    median = _trace(fig, "Model forecast (median)")
    np.testing.assert_allclose(median.y, np.median(series.paths, axis=0))
    np.testing.assert_allclose(median.customdata[:, 0], model["p10"])
    baseline = _trace(fig, "Seasonal-naive baseline")
    assert baseline.line.dash == "dash"
    # the same month a year before, from the history's complete months
    year_before = past.set_index("month")["value"]
    expected = [year_before[(m - 12).strftime("%Y-%m")] for m in series.months]
    np.testing.assert_allclose(baseline.y, expected)
    assert fig.layout.shapes[0].x0 == months[0]
    assert "Stores" in fig.layout.title.text


def test_fan_chart_of_gmv_is_in_major_units_labelled_with_the_currency(history, forecast) -> None:
    fig = ff.fig_fan_chart(history, forecast, "gmv_cents", currency="EUR")
    series = ff.series_of(forecast, "gmv_cents")
    np.testing.assert_allclose(
        _trace(fig, "Model forecast (median)").y, _model_rows(series)["forecast"] / 100
    )
    np.testing.assert_allclose(
        _trace(fig, "History").y, ff.history_months(history, "gmv_cents")["value"] / 100
    )
    assert fig.layout.yaxis.title.text == "GMV per month (EUR)"
    assert "$" not in fig.to_json()
    with pytest.raises(ValueError, match="currency: required to show GMV"):
        ff.fig_fan_chart(history, forecast, "gmv_cents")


def test_fan_chart_of_a_history_without_gmv_says_so() -> None:
    frame = synthetic_daily_history(seed=5, start="2023-01-01", n_days=760)
    history = parse_history(frame.to_csv(index=False), source="orders-only.csv")
    forecast = forecast_history(history, 12, n_paths=100, seed=0)
    assert ff.series_of(forecast).channel == "All channels"
    with pytest.raises(ValueError, match=r"orders-only.csv has only orders \(no GMV column\)"):
        ff.fig_fan_chart(history, forecast, "gmv_cents", currency="USD")


# --- the backtest -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checked(history):
    return backtest(history, holdout_months=6, channel="Web", n_paths=N_PATHS, seed=1)


def test_backtest_figure_holds_actuals_forecasts_bands_and_scores(checked) -> None:
    fig = ff.fig_backtest(checked)
    table = checked.table
    model = table[table["method"] == "model"]
    naive = table[table["method"] == "seasonal_naive"]
    np.testing.assert_allclose(_trace(fig, "Actual (held out)").y, model["actual"])
    np.testing.assert_allclose(_trace(fig, "Model forecast (median)").y, model["forecast"])
    np.testing.assert_allclose(_trace(fig, "Seasonal-naive baseline").y, naive["forecast"])
    band = _trace(fig, "Baseline 80% interval")
    np.testing.assert_allclose(band.y, [*naive["p90"], *naive["p10"][::-1]])
    assert list(_trace(fig, "Model 80% interval").x[:6]) == list(checked.months.to_timestamp())
    title = fig.layout.title.text
    for method, shown in (("model", "model"), ("seasonal_naive", "baseline")):
        row = checked.metrics.loc[method]
        inside = int(table.loc[table["method"] == method, "inside_80"].sum())
        assert (
            f"{shown}: sMAPE {row['smape_pct']:.1f}%, MAPE {row['mape_pct']:.1f}%, "
            f"{inside} of 6 months inside its 80% interval"
        ) in title
    verdict = "report it" if checked.model_better else "report the baseline"
    assert verdict in title and "Web" in title


def test_backtest_figure_of_gmv_needs_the_currency(history) -> None:
    result = backtest(history, holdout_months=3, measure="gmv_cents", n_paths=100)
    fig = ff.fig_backtest(result, currency="GBP")
    actual = result.table.loc[result.table["method"] == "model", "actual"]
    np.testing.assert_allclose(_trace(fig, "Actual (held out)").y, actual / 100)
    assert fig.layout.yaxis.title.text == "GMV per month (GBP)"
    with pytest.raises(ValueError, match="currency"):
        ff.fig_backtest(result)


# --- licensing costs --------------------------------------------------------------------------


def test_license_costs_shows_expected_cost_intervals_volumes_and_entitlements(
    forecast, prices
) -> None:
    costs = forecast_costs(forecast, prices, channel="Web", coverage=0.9)
    fig = lf.fig_license_costs(costs)
    comparison = costs.comparison
    for summary in (comparison.order_summary, comparison.gmv):
        point = _trace(fig, lf.LICENSE_LABELS[summary.model])
        assert point.y[0] == pytest.approx(summary.expected_cents / 100)
        assert point.error_y.array[0] == pytest.approx(
            (summary.high_cents - summary.expected_cents) / 100
        )
        assert point.error_y.arrayminus[0] == pytest.approx(
            (summary.expected_cents - summary.low_cents) / 100
        )
        np.testing.assert_allclose(
            point.customdata[0],
            [summary.p10_cents / 100, summary.p50_cents / 100, summary.p90_cents / 100],
        )
    np.testing.assert_allclose(_trace(fig, "Order Summaries a year").x, costs.order_summaries)
    np.testing.assert_allclose(_trace(fig, "GMV a year").x, costs.gmv_cents / 100)
    lines = sorted(shape.x0 for shape in fig.layout.shapes)
    assert lines == [250_000, 15_000_000]  # the committed volumes: a count, USD of GMV
    count_axis, gmv_axis = fig.layout.xaxis2.title.text, fig.layout.xaxis3.title.text
    p = comparison.order_summary.p_exceeds_entitlement
    assert f"entitlement 250,000: P(exceed) {p:.1%}" in count_axis
    assert f"({round(p * N_PATHS):,} of {N_PATHS:,} years)" in count_axis
    assert "entitlement 15,000,000 USD" in gmv_axis
    assert "90% of the simulated years' costs" in fig.layout.title.text
    assert "Web" in fig.layout.title.text


def test_cost_table_is_in_major_units_with_the_entitlements(forecast, prices) -> None:
    costs = forecast_costs(forecast, prices)
    table = lf.cost_table(costs)
    assert list(table.index) == ["By Order Summary count", "By share of GMV"]
    by_count, by_gmv = costs.comparison.order_summary, costs.comparison.gmv
    row = table.loc["By Order Summary count"]
    assert row["expected_cost"] == pytest.approx(by_count.expected_cents / 100)
    assert (row["low"], row["high"]) == pytest.approx(
        (by_count.low_cents / 100, by_count.high_cents / 100)
    )
    assert row["entitlement"] == "250,000 Order Summaries"
    assert row["p_exceeds_entitlement"] == by_count.p_exceeds_entitlement
    row = table.loc["By share of GMV"]
    assert row["p50"] == pytest.approx(by_gmv.p50_cents / 100)
    assert row["entitlement"] == "15,000,000 USD"
    assert row["expected_volume"] == f"{by_gmv.expected_volume / 100:,.0f} USD"
    assert table.index.name == "annual cost (USD, 80% interval)"


def test_license_costs_without_entitlements_draws_no_line(forecast, prices) -> None:
    listed = prices.model_dump()
    listed["order_summary"]["entitlement"] = None
    listed["gmv"]["entitlement"] = None
    costs = forecast_costs(forecast, price_table_from_dict(listed))
    fig = lf.fig_license_costs(costs)
    assert not fig.layout.shapes
    assert "no entitlement in the price table" in fig.layout.xaxis2.title.text
    assert "no entitlement in the price table" in fig.layout.xaxis3.title.text
    assert costs.channel in fig.layout.title.text
    table = lf.cost_table(costs)
    assert list(table["entitlement"]) == ["none", "none"]
    assert table["p_exceeds_entitlement"].isna().all()
