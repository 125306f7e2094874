"""Great-circle distances against hand-checkable values."""

import numpy as np
import pytest

from omsim.network.geo import EARTH_RADIUS_KM, haversine_km, pairwise_distance_km


def test_same_point_is_zero() -> None:
    assert float(haversine_km(51.5, -0.12, 51.5, -0.12)) == 0.0


def test_quarter_meridian() -> None:
    # Equator to pole along a meridian is a quarter of the great circle.
    assert float(haversine_km(0, 0, 90, 0)) == pytest.approx(np.pi * EARTH_RADIUS_KM / 2)


def test_new_york_to_los_angeles() -> None:
    # Published great-circle distance JFK-LAX area is about 3,940 km.
    assert float(haversine_km(40.7128, -74.0060, 34.0522, -118.2437)) == pytest.approx(3936, abs=10)


def test_pairwise_shape_and_symmetry() -> None:
    lat = [10.0, 20.0, 30.0]
    lon = [0.0, 5.0, -5.0]
    d = pairwise_distance_km(lat, lon, lat, lon)
    assert d.shape == (3, 3)
    assert np.allclose(d, d.T)
    assert np.allclose(np.diag(d), 0.0)
