"""Carrier zone chart: bands, transit, price, and validation."""

import math

import pytest

from omsim.network.carrier import CarrierRates, ServiceRates, billable_kg
from omsim.network.locations import ServiceLevel


def two_band_chart() -> CarrierRates:
    return CarrierRates(
        band_upper_km=(100.0, math.inf),
        services={
            ServiceLevel.STANDARD: ServiceRates((1, 3), (500, 700), (100, 200)),
            ServiceLevel.EXPRESS: ServiceRates((1, 1), (1500, 2000), (300, 400)),
        },
    )


@pytest.mark.parametrize(("km", "band"), [(0.0, 0), (100.0, 0), (100.1, 1), (20000.0, 1)])
def test_band_edges_are_inclusive_upper_bounds(km: float, band: int) -> None:
    assert two_band_chart().band(km) == band


def test_transit_and_cost_by_band_and_service() -> None:
    chart = two_band_chart()
    assert chart.transit_days(150.0, ServiceLevel.STANDARD) == 3
    assert chart.transit_days(150.0, "express") == 1  # type: ignore[arg-type]
    # 2.2 kg bills as 3 kg: 700 + 3 * 200
    assert chart.shipping_cost_cents(150.0, 2.2, ServiceLevel.STANDARD) == 1300
    assert chart.shipping_cost_cents(50.0, 0.1, ServiceLevel.EXPRESS) == 1800


def test_distance_beyond_last_finite_band_uses_last_band() -> None:
    chart = CarrierRates(
        band_upper_km=(100.0,),
        services={s: ServiceRates((2,), (100,), (10,)) for s in ServiceLevel},
    )
    assert chart.band(5000.0) == 0


def test_default_chart_is_monotone() -> None:
    chart = CarrierRates()
    for rates in chart.services.values():
        assert list(rates.transit_days) == sorted(rates.transit_days)
        assert list(rates.base_cents) == sorted(rates.base_cents)
    std = chart.services[ServiceLevel.STANDARD]
    exp = chart.services[ServiceLevel.EXPRESS]
    assert all(e <= s for e, s in zip(exp.transit_days, std.transit_days, strict=True))


def test_billable_weight() -> None:
    assert [billable_kg(w) for w in (0.0, 0.5, 1.0, 1.0000000001, 3.2)] == [1, 1, 1, 1, 4]
    with pytest.raises(ValueError, match="weight_kg"):
        billable_kg(-1.0)


def test_mismatched_band_count_is_named() -> None:
    with pytest.raises(ValueError, match=r"services\['standard'\].transit_days has 1 entries"):
        CarrierRates(
            band_upper_km=(100.0, math.inf),
            services={
                ServiceLevel.STANDARD: ServiceRates((1,), (1, 2), (1, 2)),
                ServiceLevel.EXPRESS: ServiceRates((1, 1), (1, 2), (1, 2)),
            },
        )


def test_bands_must_increase() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        CarrierRates(band_upper_km=(200.0, 100.0))


def test_missing_service_level_is_named() -> None:
    with pytest.raises(ValueError, match="express"):
        CarrierRates(
            band_upper_km=(100.0,),
            services={ServiceLevel.STANDARD: ServiceRates((1,), (1,), (1,))},
        )
