"""Calibration: omsim's KPIs over replications against the published figures they should meet.

`BANDS` lists every published figure of docs/figures.md that omsim can be read against, as a
`Band`: the KPI column of `omsim.experiments.ExperimentResult.replications` it is read from,
the band (``low``, ``high``, fractions or units, never percent) or, for a *reference* row,
only the published value, the published text, its public source, and the scenarios it
applies to. `calibration_table` puts omsim's mean and 95% t interval over the replications
(`omsim.experiments.stats.t_interval`) beside each band, with a `verdict`:

* ``in band``: the whole 95% interval is inside the band (edges included);
* ``below`` / ``above``: the whole interval is outside it, under or over;
* ``straddles``: the interval crosses a band edge, so it is not shown to be inside;
* ``reference``: a published value with no band (or no public figure): shown, not judged;
* ``no data``: the KPI is missing from every replication (no apparel unit matured in a short
  run, say); ``no interval``: a single value, which gives no interval.

`markdown` writes docs/calibration.md (``make calibration``; ``omsim calibrate``,
`omsim.cli_calibrate`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from omsim.experiments.stats import Interval, t_interval

if TYPE_CHECKING:
    from omsim.scenario import Scenario

__all__ = [
    "BANDS",
    "COLUMNS",
    "VERDICTS",
    "Band",
    "bands_for",
    "calibration_table",
    "cyber_monday_ratio",
    "format_table",
    "markdown",
    "verdict",
]

IN_BAND, BELOW, ABOVE, STRADDLES = "in band", "below", "above", "straddles"
REFERENCE, NO_DATA, NO_INTERVAL = "reference", "no data", "no interval"
VERDICTS = (IN_BAND, BELOW, ABOVE, STRADDLES, REFERENCE, NO_DATA, NO_INTERVAL)
"""Every verdict `verdict` can give."""

COLUMNS = ["figure", "kpi", "mean", "ci_low", "ci_high", "band", "verdict", "source", "n"]
"""The columns of `calibration_table`."""

MAKE_COMMAND = (
    "omsim calibrate regional_retailer peak_season -n 10 --write-docs docs/calibration.md"
)
"""What ``make calibration`` runs."""


@dataclass(frozen=True)
class Band:
    """A published figure and the band omsim's KPI should fall in.

    Attributes
    ----------
    name : str
        The figure, for people.
    kpi : str
        The column of ``ExperimentResult.replications`` it is read from: a scalar key of
        ``kpis.json`` or a flattened breakdown (``matured_unit_return_rate.apparel``). For a
        figure computed from the scenario itself (``from_scenario``), a label saying so.
    low, high : float or None
        The band, in the KPI's unit (fractions for rates). Both None: a reference row, shown
        and not judged.
    published : str
        The published figure, as published.
    source : str
        Its public source, as docs/figures.md writes it.
    scenarios : tuple of str, or None
        The shipped scenarios it applies to; None: every scenario.
    note : str
        How omsim's figure relates to the published one.
    reference : float or None
        The published value as a number, when there is one (shown for reference rows).
    requires : str or None
        A replication counts only when this column is > 0 (the denominator's count, e.g.
        ``multi_unit_orders_shipped``); a name ending in ``.`` asks instead for another key of
        that breakdown to be present (a matured cohort with at least one category). The KPIs
        give 0.0 for an empty denominator, which is no data, not a rate of 0.
    from_scenario : callable or None
        For a figure that is a scenario input rather than a simulated output: computes it from
        the scenario (None when it does not apply, e.g. no Cyber Monday in the horizon).
    """

    name: str
    kpi: str
    low: float | None
    high: float | None
    published: str
    source: str
    scenarios: tuple[str, ...] | None
    note: str
    reference: float | None = None
    requires: str | None = None
    from_scenario: Callable[[Scenario], float | None] | None = None

    @property
    def is_reference(self) -> bool:
        """No band: shown beside its published value, not judged."""
        return self.low is None and self.high is None

    def applies_to(self, scenario_name: str) -> bool:
        return self.scenarios is None or scenario_name in self.scenarios

    def band_text(self) -> str:
        """``0.15-0.21``, ``>= 0.2``, ``ref 1.6`` or ``-`` (no public figure)."""
        if self.low is not None and self.high is not None:
            return f"{_number(self.low)}-{_number(self.high)}"
        if self.low is not None:
            return f">= {_number(self.low)}"
        if self.high is not None:
            return f"<= {_number(self.high)}"
        return "-" if self.reference is None else f"ref {_number(self.reference)}"


def cyber_monday_ratio(scenario: Scenario) -> float | None:
    """Expected checkouts on the scenario's Cyber Monday / the mean day over its horizon.

    A scenario input, not a simulated output: the integral of the arrival rate
    (`omsim.sim.arrivals.ArrivalRate`, day-of-week, hour-of-day, trend and peaks) over the day
    of the peak named "Cyber Monday", against its integral over the horizon per day. None
    when the scenario has no such peak inside its horizon.

    Examples
    --------
    >>> from omsim.scenario import load_scenario
    >>> round(cyber_monday_ratio(load_scenario("peak_season")), 2)
    3.4
    >>> cyber_monday_ratio(load_scenario("tutorial")) is None
    True
    """
    from omsim.sim.arrivals import ArrivalRate

    peaks = [p for p in scenario.demand.peaks if p.name.strip().lower() == "cyber monday"]
    if not peaks:
        return None
    start_hours = scenario.hours_since_start(peaks[0].date)
    horizon_hours = 24.0 * scenario.horizon_days
    if start_hours < 0 or start_hours + 24.0 > horizon_hours:
        return None
    rate = ArrivalRate(scenario)
    step = 0.25
    day = sum(rate(start_hours + (i + 0.5) * step) for i in range(round(24 / step))) * step
    mean_day = rate.expected_orders(horizon_hours, step) / scenario.horizon_days
    return day / mean_day if mean_day > 0 else None


NRF_2023 = (
    "NRF (National Retail Federation) and Appriss Retail, *Consumer Returns in the Retail "
    "Industry*, 2023"
)
NRF_2024 = "NRF and Happy Returns, *Consumer Returns in the Retail Industry*, December 2024"
KURT_SALMON_2014 = "Kurt Salmon and StellaService, holiday 2014 delivery study"
ADOBE_PICKUP = "Adobe Analytics, 2024 holiday-season shopping data"
NO_PUBLIC_FIGURE = "no public figure; see docs/kpis.md for the cancel timing assumption"
SPLIT_SCENARIOS = ("tutorial", "regional_retailer", "peak_season")
"""Shipped scenarios routed by fewest_splits with stores allowed to ship (national_year ships
from its distribution centres only)."""

BANDS: tuple[Band, ...] = (
    Band(
        name="Return rate, all categories (matured cohort)",
        kpi="matured_unit_return_rate.overall",
        low=0.15,
        high=0.21,
        published="17.6% of online sales (2023); 16.9% of sales (2024)",
        source=f"{NRF_2023}; {NRF_2024}",
        scenarios=None,
        note=(
            "omsim counts returned / delivered units of the orders whose last delivery was at "
            "least 30 days before the log ends, so that their returns have had time to come "
            "back; the published figures are shares of sales value, and the 0.15-0.21 band "
            "around them is the project's. peak_season's return chances are 1.17x the "
            "regional ones (NRF's holiday uplift), so it is expected near the top of the band "
            "or above it. A run shorter than about 30 days has no matured cohort: its "
            "replications are left out (no data), not counted as 0."
        ),
        requires="matured_unit_return_rate.",
    ),
    Band(
        name="Return rate, apparel bought online (matured cohort)",
        kpi="matured_unit_return_rate.apparel",
        low=0.30,
        high=0.40,
        published="30-40% of apparel bought online returned",
        source="AlixPartners, study of online apparel returns, 2017",
        scenarios=None,
        note=(
            "The same cohort rate for apparel units. regional_retailer sets apparel's return "
            "chance to 0.35 (0.41 in peak_season, 0.30 in tutorial); a matured cohort sees "
            "slightly less than the per-unit chance (returns sent more than about 26 days "
            "after delivery fall outside the 30-day window, and mismatched parcels hold a "
            "unit fewer than the RMA), about a third for regional_retailer."
        ),
    ),
    Band(
        name="Multi-unit orders shipped from 2+ origins",
        kpi="multi_unit_order_split_rate",
        low=0.20,
        high=0.40,
        published=(
            "38% of multi-item orders shipped from two or more origins at peak, about 10% "
            "from three or more"
        ),
        source=KURT_SALMON_2014,
        scenarios=SPLIT_SCENARIOS,
        note=(
            "omsim counts the orders whose shipped parcels carried two or more units in all "
            "and left from two or more locations, pickups never counted "
            "(`multi_unit_order_split_rate`). The published 38% is a peak figure from "
            "networks shipping from stores; for a non-peak default routed by fewest_splits in "
            "a store-enabled network the project chose a wider, lower band, 0.20-0.40. It "
            "applies to the scenarios that route by fewest_splits with stores shipping "
            "(tutorial, regional_retailer, peak_season). Where every location carries the "
            "whole range, fewest_splits seldom splits at first routing and the splits come "
            "from store rejections re-routed, so a run lands far below (about 5%). "
            "regional_retailer's DCs split the range by category and its stores carry 20-60% "
            "of it, so a basket mixing categories seldom ships whole from one place: it lands "
            "in the band. peak_season's generated network has no such split and lands below."
        ),
        reference=0.38,
        requires="multi_unit_orders_shipped",
    ),
    Band(
        name="Multi-unit orders shipped from 3+ origins",
        kpi="orders_with_3plus_origins_rate",
        low=None,
        high=None,
        published="about 10% of multi-item orders shipped from three or more origins, at peak",
        source=KURT_SALMON_2014,
        scenarios=SPLIT_SCENARIOS,
        note=(
            "The share of the same orders whose parcels left from three or more locations. "
            "A reference row: the published figure is a peak figure and omsim's routing "
            "allows at most `routing.max_splits` extra shipments."
        ),
        reference=0.10,
        requires="multi_unit_orders_shipped",
    ),
    Band(
        name="Pickup share of orders (collected in store)",
        kpi="pickup_realised_share",
        low=0.14,
        high=0.18,
        published="15.9% of online orders in November 2024 (17.5% in 2023), among retailers "
        "offering it",
        source=ADOBE_PICKUP,
        scenarios=None,
        note=(
            "omsim counts the managed Order Summaries from checkouts that were collected in "
            "store (`pickup_realised_share`). A customer with no store within reach, or none "
            "open holding every line, ships Standard instead, and some placed pickups are "
            "never collected (no-shows, cancels, still waiting when the run ends): see "
            "docs/kpis.md for where the chosen pickups go. regional_retailer calibrates the "
            "wish at checkout (33%) so that the realised share lands at the published figure, "
            "with customers choosing the nearest store that holds every line "
            "(demand.pickup_store: nearest_with_stock); tutorial draws 15% at its nearest "
            "store."
        ),
        reference=0.159,
        requires="checkouts_placed",
    ),
    Band(
        name="Pickup chosen at checkout",
        kpi="pickup_chosen_share",
        low=None,
        high=None,
        published="15.9% of online orders in November 2024 (17.5% in 2023)",
        source=ADOBE_PICKUP,
        scenarios=None,
        note=(
            "The share of managed Order Summaries from checkouts whose customer chose Pickup, "
            "whether placed as a pickup or shipped instead: the scenario's delivery-method "
            "share as drawn, shown beside the realised share."
        ),
        reference=0.159,
        requires="checkouts_placed",
    ),
    Band(
        name="Units per package shipped from store",
        kpi="units_per_package_store",
        low=None,
        high=None,
        published="1.6 units a package shipped from store",
        source="Kurt Salmon, 2016",
        scenarios=None,
        note=(
            "Product units per parcel shipped from stores (fulfillment order Type Retail "
            "Store), reshipments left out. The basket size (about 2.2 units an order in "
            "regional_retailer) is set from these figures; a reference row."
        ),
        reference=1.6,
        requires="parcels_shipped",
    ),
    Band(
        name="Units per package shipped from a fulfilment centre",
        kpi="units_per_package_warehouse",
        low=None,
        high=None,
        published="2.3 units a package shipped from a fulfilment centre",
        source="Kurt Salmon, 2016",
        scenarios=None,
        note=(
            "Product units per parcel shipped from the distribution centres (Type Warehouse), "
            "reshipments left out; a reference row."
        ),
        reference=2.3,
        requires="parcels_shipped",
    ),
    Band(
        name="Cyber Monday vs the season's mean day",
        kpi="scenario input (expected arrivals), not a simulated output",
        low=None,
        high=None,
        published="Cyber Monday $13.3B of a $240.8B 1 Nov - 31 Dec season (61 days): about "
        "3.4x the season's mean day",
        source="Adobe (Adobe Analytics), Cyber Monday 2024 press release, 3 December 2024",
        scenarios=("peak_season",),
        note=(
            "A scenario input, not a simulated output: the expected checkouts on the "
            "scenario's Cyber Monday over the mean day of its horizon, integrated from the "
            "arrival rate (`omsim.sim.arrivals.ArrivalRate`: day-of-week and hour-of-day "
            "profiles, trend, peak multipliers). The checkouts of a run vary around it. "
            "kpis.json has no per-day figure, so it is not measured from the replications; "
            "no data when the horizon does not include Cyber Monday."
        ),
        reference=3.4,
        from_scenario=cyber_monday_ratio,
    ),
    Band(
        name="Customer cancel rate",
        kpi="customer_cancel_rate",
        low=None,
        high=None,
        published="no public figure",
        source=NO_PUBLIC_FIGURE,
        scenarios=None,
        note=(
            "Order Summaries with a unit canceled at the customer's request / managed Order "
            "Summaries from checkouts. Shown for reference: it follows from the scenario's "
            "cancel chance and timing, for which there is no public figure."
        ),
        requires="checkouts_placed",
    ),
    Band(
        name="Cancel requests refused because units were picked",
        kpi="cancel_requests_refused_picked_share",
        low=None,
        high=None,
        published="no public figure",
        source=NO_PUBLIC_FIGURE,
        scenarios=None,
        note=(
            "Customer cancel requests refused in whole or in part because units asked for were "
            "already picked / cancel requests: how the cancel timing meets the pick times."
        ),
        requires="cancel_requests",
    ),
)
"""Every published figure omsim is read against (docs/figures.md), bands as fractions."""


def bands_for(scenario_name: str) -> list[Band]:
    """The bands of `BANDS` that apply to a scenario, by its name.

    Examples
    --------
    >>> [b.kpi for b in bands_for("national_year")][:2]
    ['matured_unit_return_rate.overall', 'matured_unit_return_rate.apparel']
    >>> "multi_unit_order_split_rate" in [b.kpi for b in bands_for("national_year")]
    False
    """
    return [band for band in BANDS if band.applies_to(scenario_name)]


def verdict(
    interval: Interval | tuple[float, float],
    band: Band | tuple[float | None, float | None],
) -> str:
    """How a 95% interval stands against a band (one of `VERDICTS`).

    ``interval`` is an `Interval` or a ``(low, high)`` pair; ``band`` a `Band` or a
    ``(low, high)`` pair, None for an open side (both None: a reference). The edges count as
    inside.

    Examples
    --------
    >>> verdict((0.16, 0.19), (0.15, 0.21)), verdict((0.10, 0.12), (0.15, 0.21))
    ('in band', 'below')
    >>> verdict((0.20, 0.23), (0.15, 0.21)), verdict((0.22, 0.3), (0.15, 0.21))
    ('straddles', 'above')
    >>> verdict((0.5, 0.6), (None, None)), verdict((math.nan, math.nan), (0.15, 0.21))
    ('reference', 'no data')
    """
    band_low, band_high = (band.low, band.high) if isinstance(band, Band) else band
    reference = band_low is None and band_high is None
    if isinstance(interval, Interval):
        if interval.n == 0 or not math.isfinite(interval.mean):
            return NO_DATA
        if reference:
            return REFERENCE
        low, high = interval.low, interval.high
        if not (math.isfinite(low) and math.isfinite(high)):
            return NO_INTERVAL  # one value: no interval to judge
    else:
        low, high = (float(v) for v in interval)
        if not (math.isfinite(low) and math.isfinite(high)):
            return NO_DATA
        if reference:
            return REFERENCE
    if low > high:
        raise ValueError(f"interval: got ({low}, {high}): low > high")
    if band_low is not None and high < band_low:
        return BELOW
    if band_high is not None and low > band_high:
        return ABOVE
    if (band_low is None or low >= band_low) and (band_high is None or high <= band_high):
        return IN_BAND
    return STRADDLES


class _Result(Protocol):
    """What `calibration_table` reads of an `omsim.experiments.ExperimentResult`."""

    replications: pd.DataFrame


def _values(replications: pd.DataFrame, band: Band) -> pd.Series:
    """The band's KPI, one value per replication, NaN where it is missing or has no data."""
    if band.kpi not in replications.columns:
        return pd.Series([], dtype=float)
    values = pd.to_numeric(replications[band.kpi], errors="coerce").astype(float)
    if band.requires is None:
        return values
    if band.requires.endswith("."):
        others = [c for c in replications.columns if c.startswith(band.requires) and c != band.kpi]
        present = (
            replications[others].notna().any(axis=1)
            if others
            else pd.Series(False, index=replications.index)
        )
    elif band.requires in replications.columns:
        present = pd.to_numeric(replications[band.requires], errors="coerce").fillna(0) > 0
    else:
        present = pd.Series(False, index=replications.index)
    return values.where(present)


def calibration_table(
    result: _Result, bands: Iterable[Band], scenario: Scenario | None = None
) -> pd.DataFrame:
    """Each band beside omsim's mean and 95% interval over the replications of ``result``.

    Parameters
    ----------
    result : ExperimentResult
        Of `omsim.experiments.replicate` (anything with a ``replications`` frame of one row
        per replication and a column per KPI).
    bands : iterable of Band
        Usually ``bands_for(result.scenario)``.
    scenario : Scenario, optional
        The scenario the replications ran, for the figures computed from it
        (``Band.from_scenario``); without it those rows have no data.

    Returns
    -------
    pandas.DataFrame
        `COLUMNS`: figure, kpi, mean, ci_low, ci_high (NaN with fewer than 2 values), band
        (text), verdict, source, and n, the replications with a value (0: no data). A
        scenario input has its value as the mean, no interval and n = 0.
    """
    rows: list[dict[str, Any]] = []
    for band in bands:
        if band.from_scenario is not None:
            value = band.from_scenario(scenario) if scenario is not None else None
            mean = math.nan if value is None else float(value)
            interval = Interval(0, mean, math.nan, math.nan, math.nan, math.nan)
            shown = REFERENCE if value is not None else NO_DATA
            if value is not None and not band.is_reference:
                shown = verdict((mean, mean), band)
        else:
            interval = t_interval(_values(result.replications, band).to_numpy())
            shown = verdict(interval, band)
        rows.append(
            {
                "figure": band.name,
                "kpi": band.kpi,
                "mean": interval.mean,
                "ci_low": interval.low,
                "ci_high": interval.high,
                "band": band.band_text(),
                "verdict": shown,
                "source": band.source,
                "n": int(interval.n),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS).astype({"n": int})


def _number(value: float) -> str:
    """A band edge or a value: 0.15, 0.20, 1.6, 0.159; ``-`` when missing."""
    if not math.isfinite(value):
        return "-"
    text = f"{value:.3f}".rstrip("0")
    if abs(value) < 1:  # a fraction: at least two decimals (0.20, not 0.2)
        whole, _, decimals = text.partition(".")
        return f"{whole}.{decimals.ljust(2, '0')}"
    return text.rstrip(".")


def _cell(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else "-"


def _interval_text(low: float, high: float) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "-"
    return f"{low:.3f} to {high:.3f}"


def format_table(frame: pd.DataFrame) -> str:
    """A `calibration_table` as plain text, one figure a line (sources after the table)."""
    header = ["figure", "mean", "95% interval", "band", "verdict", "n", "src"]
    sources = list(dict.fromkeys(frame["source"]))
    rows = [
        [
            str(row.figure),
            _cell(row.mean),
            _interval_text(row.ci_low, row.ci_high),
            str(row.band),
            str(row.verdict),
            str(row.n),
            f"[{sources.index(row.source) + 1}]",
        ]
        for row in frame.itertuples()
    ]
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    right = {1, 2, 5}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(header), "-" * len(line(header))]
    out += [line(r) for r in rows]
    out.append("")
    out += [f"[{i}] {source}" for i, source in enumerate(sources, start=1)]
    return "\n".join(out)


def _seed_text(seed: int | Mapping[str, int] | None, scenario: str) -> str:
    if isinstance(seed, Mapping):
        return str(seed.get(scenario, "-"))
    return "-" if seed is None else str(seed)


def markdown(
    frames_by_scenario: Mapping[str, pd.DataFrame],
    n: int,
    seed: int | Mapping[str, int] | None,
    *,
    command: str | None = None,
    date: dt.date | None = None,
    horizon_days: Mapping[str, float] | None = None,
) -> str:
    """docs/calibration.md: how it was generated, a table per scenario, sources and notes.

    Parameters
    ----------
    frames_by_scenario : mapping of str to DataFrame
        `calibration_table` of each scenario, by scenario name.
    n : int
        Replications asked for, per scenario.
    seed : int, or mapping of scenario name to int
        The experiment seed (each scenario's own when the command line gave none).
    command : str, optional
        The command that generated it (default: what ``make calibration`` runs).
    date : datetime.date, optional
        Default: today (UTC).
    horizon_days : mapping of str to float, optional
        Each scenario's horizon, when it was not the shipped one.
    """
    import omsim

    date = date or dt.datetime.now(dt.UTC).date()
    command = command or MAKE_COMMAND
    names = {b.kpi: b for b in BANDS}
    lines = [
        "# Calibration: omsim against published figures",
        "",
        "<!-- Generated; do not edit by hand. Regenerate with `make calibration`. -->",
        "",
        f"Generated by `{command}` on {date.isoformat()} with omsim {omsim.__version__}: "
        f"{n} replications per scenario"
        + (f", experiment seed {seed}" if isinstance(seed, int) else ", each scenario's own seed")
        + "."
        + ("" if command == MAKE_COMMAND else f" `make calibration` runs `{MAKE_COMMAND}`.")
        + " The published figures and where the scenarios use them are in "
        "[figures.md](figures.md); the KPIs in [kpis.md](kpis.md).",
        "",
        "Each row is omsim's mean over the replications and its 95% t interval "
        "(`omsim.experiments.stats.t_interval`) against the band. Verdicts: **in band**, the "
        "whole 95% interval inside the band (edges included); **below** or **above**, the "
        "whole interval outside it; **straddles**, the interval crosses a band edge, so it is "
        "not shown to be inside; **reference**, a published value with no band (or no public "
        "figure), shown and not judged; **no data**, no replication had the KPI. Rates are "
        "fractions, not percent.",
        "",
    ]
    for scenario, frame in frames_by_scenario.items():
        lines.append(f"## {scenario}")
        lines.append("")
        details = [f"{n} replications", f"seed {_seed_text(seed, scenario)}"]
        if horizon_days and scenario in horizon_days:
            details.append(f"horizon {horizon_days[scenario]:g} days")
        lines.append(", ".join(details) + ".")
        lines.append("")
        lines.append("| figure | KPI | omsim mean | 95% interval | band | verdict | n |")
        lines.append("|---|---|---|---|---|---|---|")
        for row in frame.itertuples():
            kpi = (
                f"`{row.kpi}`"
                if row.kpi in names and names[row.kpi].from_scenario is None
                else str(row.kpi)
            )
            lines.append(
                f"| {row.figure} | {kpi} | {_cell(row.mean)} | "
                f"{_interval_text(row.ci_low, row.ci_high)} | {row.band} | {row.verdict} | "
                f"{row.n} |"
            )
        lines.append("")
    shown = {kpi for frame in frames_by_scenario.values() for kpi in frame["kpi"]}
    lines += ["## The figures and their sources", ""]
    for band in BANDS:
        if band.kpi not in shown:
            continue
        where = "every scenario" if band.scenarios is None else ", ".join(band.scenarios)
        lines.append(f"### {band.name}")
        lines.append("")
        judged = (
            "no band: a reference row, shown and not judged"
            if band.is_reference
            else f"band {band.band_text()}"
        )
        lines.append(f"Published: {band.published}. In omsim: {judged}. Applies to: {where}.")
        lines.append("")
        lines.append(f"Source: {band.source}.")
        lines.append("")
        lines.append(f"What omsim measures. {band.note}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
