"""Great-circle distance on a spherical Earth.

Salesforce's ``rankAverageDistance`` measures distance from a location's Visitor Address to the
recipient's postal code; omsim uses the great-circle (haversine) distance between coordinates.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), km."""


def haversine_km(
    latitude_1: ArrayLike, longitude_1: ArrayLike, latitude_2: ArrayLike, longitude_2: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distance between points, broadcasting over arrays.

    Parameters
    ----------
    latitude_1, longitude_1 : array_like
        First point(s), decimal degrees.
    latitude_2, longitude_2 : array_like
        Second point(s), decimal degrees.

    Returns
    -------
    numpy.ndarray
        Distance, km (a 0-d array for scalar input).

    Examples
    --------
    >>> round(float(haversine_km(0.0, 0.0, 0.0, 1.0)), 1)
    111.2
    """
    phi_1 = np.radians(np.asarray(latitude_1, dtype=float))
    phi_2 = np.radians(np.asarray(latitude_2, dtype=float))
    d_phi = phi_2 - phi_1
    d_lambda = np.radians(
        np.asarray(longitude_2, dtype=float) - np.asarray(longitude_1, dtype=float)
    )
    a = np.sin(d_phi / 2.0) ** 2 + np.cos(phi_1) * np.cos(phi_2) * np.sin(d_lambda / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def pairwise_distance_km(
    latitudes_a: ArrayLike, longitudes_a: ArrayLike, latitudes_b: ArrayLike, longitudes_b: ArrayLike
) -> NDArray[np.float64]:
    """Matrix of great-circle distances between two point sets.

    Parameters
    ----------
    latitudes_a, longitudes_a : array_like
        ``A`` points, decimal degrees.
    latitudes_b, longitudes_b : array_like
        ``B`` points, decimal degrees.

    Returns
    -------
    numpy.ndarray
        Shape ``(A, B)``, km.

    Examples
    --------
    >>> pairwise_distance_km([0.0, 0.0], [0.0, 1.0], [0.0], [0.0]).round(1).tolist()
    [[0.0], [111.2]]
    """
    lat_a = np.asarray(latitudes_a, dtype=float)[:, None]
    lon_a = np.asarray(longitudes_a, dtype=float)[:, None]
    lat_b = np.asarray(latitudes_b, dtype=float)[None, :]
    lon_b = np.asarray(longitudes_b, dtype=float)[None, :]
    return haversine_km(lat_a, lon_a, lat_b, lon_b)
