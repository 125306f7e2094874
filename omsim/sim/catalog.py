"""The product catalog: SKUs with a category, price, weight and Zipf-like popularity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omsim.scenario.schema import CatalogSpec
from omsim.sim.distributions import sample


@dataclass(frozen=True, slots=True)
class Product:
    """One SKU: ``popularity`` is its share of units sold (all SKUs sum to 1)."""

    sku: str
    category: str
    unit_price_cents: int
    weight_kg: float
    popularity: float


class Catalog:
    """SKUs, most popular first, with the cumulative popularity for fast draws."""

    def __init__(self, products: tuple[Product, ...]) -> None:
        self.products = products
        self._cdf = np.cumsum([p.popularity for p in products])
        self._by_sku = {p.sku: p for p in products}

    def draw(self, rng: np.random.Generator) -> Product:
        """A SKU drawn by popularity."""
        u = float(rng.random()) * float(self._cdf[-1])
        index = int(np.searchsorted(self._cdf, u, side="right"))
        return self.products[min(index, len(self.products) - 1)]

    def __getitem__(self, sku: str) -> Product:
        return self._by_sku[sku]

    @property
    def skus(self) -> tuple[str, ...]:
        return tuple(p.sku for p in self.products)


def build_catalog(spec: CatalogSpec, rng: np.random.Generator) -> Catalog:
    """SKUs ``SKU-0001`` ... ranked by popularity 1/k^s; categories assigned by share."""
    n = spec.n_skus
    weights = 1.0 / np.arange(1, n + 1) ** spec.zipf_exponent
    popularity = weights / weights.sum()
    shares = np.array([c.share for c in spec.categories], dtype=float)
    categories = rng.choice(len(spec.categories), size=n, p=shares / shares.sum())
    products = []
    for k in range(n):
        category = spec.categories[int(categories[k])]
        # The schema refuses distributions that can draw a price <= 0 or a weight < 0; these
        # floors only round a valid draw: a continuous price under half a cent is one cent, and
        # a parcel weighs at least its packaging (50 g).
        price = max(1, round(sample(category.price_cents, rng)))
        weight = max(0.05, round(sample(category.weight_kg, rng), 2))
        products.append(
            Product(f"SKU-{k + 1:04d}", category.name, price, weight, float(popularity[k]))
        )
    return Catalog(tuple(products))
