"""Routing decisions per second on a 50-location national network, per strategy.

Each strategy routes the same pre-drawn 3-line orders (zones drawn by demand weight) against the
same availability. Beside them, a naive baseline measured in the same run: for every order it asks
networkx for shortest-path distances from the recipient zone (Dijkstra over ``ships_to`` edges) and
takes the nearest single location that covers the order (less search than any strategy
above, so its rate is an upper bound for a networkx-per-query router).

Run: ``.venv/bin/python benchmarks/bench_routing.py [--orders N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import networkx as nx
import numpy as np

from omsim.network.graph import network_groups, network_zones
from omsim.network.inventory import Inventory
from omsim.network.matrix import NetworkMatrix
from omsim.network.national import generate_national_network
from omsim.network.routing import STRATEGIES, NoRoute, RoutingOptions, RoutingRequest

N_SKUS = 200


def stocked_inventory(matrix: NetworkMatrix, groups: dict, rng: np.random.Generator) -> Inventory:
    """Warehouses deep (0-60 units per SKU), stores shallow (0-3), one safety unit at stores."""
    inventory = Inventory(matrix.location_ids, groups)
    for location_id in matrix.location_ids:
        is_warehouse = location_id.startswith("DC")
        for k in range(N_SKUS):
            on_hand = int(rng.integers(0, 61 if is_warehouse else 4))
            safety = 0 if is_warehouse else 1
            inventory.set_stock(location_id, f"SKU{k:03d}", on_hand=on_hand, safety_stock=safety)
    return inventory


def draw_requests(graph: nx.Graph, n: int, rng: np.random.Generator) -> list[RoutingRequest]:
    """3-line orders of 1-3 units each, recipients drawn by zone demand weight."""
    zones = network_zones(graph)
    weights = np.array([z.demand_weight for z in zones])
    zone_picks = rng.choice(len(zones), size=n, p=weights / weights.sum())
    requests = []
    for j in zone_picks:
        skus = rng.choice(N_SKUS, size=3, replace=False)
        lines = {f"SKU{k:03d}": int(rng.integers(1, 4)) for k in skus}
        weights_kg = {sku: float(rng.uniform(0.2, 3.0)) for sku in lines}
        requests.append(RoutingRequest(lines, zones[j].id, weights_kg=weights_kg, promised_days=3))
    return requests


def naive_nearest(graph: nx.Graph, request: RoutingRequest, availability: dict) -> str | None:
    """Nearest covering location, distances from networkx shortest paths per query."""

    def ships_to_km(u: str, v: str, edge: dict) -> float | None:
        return edge["distance_km"] if edge["kind"] == "ships_to" else None

    lengths = nx.single_source_dijkstra_path_length(graph, request.zone_id, weight=ships_to_km)
    best = None
    for location_id, stock in availability.items():
        if all(stock.get(sku, 0) >= q for sku, q in request.lines.items()):
            km = lengths[location_id]
            if best is None or (km, location_id) < best:
                best = (km, location_id)
    return best[1] if best else None


def measure(decide: Callable[[RoutingRequest], object], requests: list) -> tuple[float, int]:
    """Decisions per second and the number of orders with no route."""
    start = time.perf_counter()
    outcomes = [decide(r) for r in requests]
    elapsed = time.perf_counter() - start
    n_unrouted = sum(1 for o in outcomes if o is None or isinstance(o, NoRoute))
    return len(requests) / elapsed, n_unrouted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="orders routed per strategy")
    parser.add_argument("--seed", type=int, default=0, help="seed of network, stock and orders")
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    graph = generate_national_network(n_zones=40, n_warehouses=2, n_stores=48, seed=args.seed)
    start = time.perf_counter()
    matrix = NetworkMatrix.from_graph(graph)
    matrix_ms = (time.perf_counter() - start) * 1000
    inventory = stocked_inventory(matrix, network_groups(graph), rng)
    requests = draw_requests(graph, args.orders, rng)
    # Availability is read once per order, as the engine does before routing.
    availabilities = [inventory.availability(matrix.location_ids, r.lines) for r in requests]
    by_request = {id(r): a for r, a in zip(requests, availabilities, strict=True)}
    options = RoutingOptions()

    print(
        f"network: {len(matrix.location_ids)} locations, {len(matrix.zone_ids)} zones; "
        f"matrix built in {matrix_ms:.1f} ms; {len(requests)} orders of 3 lines"
    )
    print(f"{'strategy':<28}{'decisions/s':>14}{'unrouted':>10}")
    for name, strategy in STRATEGIES.items():
        rate, unrouted = measure(
            lambda r, s=strategy: s(r, by_request[id(r)], matrix, options), requests
        )
        print(f"{name:<28}{rate:>14,.0f}{unrouted:>10}")
    rate, unrouted = measure(lambda r: naive_nearest(graph, r, by_request[id(r)]), requests)
    print(f"{'naive networkx nearest':<28}{rate:>14,.0f}{unrouted:>10}")


if __name__ == "__main__":
    main()
