"""Named, independent random streams from one seed.

`numpy.random.SeedSequence(seed)` spawns one child per stream in a fixed order; new streams are
only ever added at the end of `STREAM_NAMES`, so existing streams never shift. Customer behaviour
that must not depend on the routing strategy is drawn from the demand-side streams when the order
is created, so two strategies compared on one seed see the same customers.
"""

from __future__ import annotations

import numpy as np

STREAM_NAMES = (
    "demand",  # arrival times
    "basket",  # what each order holds, where it goes, how it is delivered
    "customer",  # customer behaviour decided at order time (pickup delay, later: cancel, return)
    "operations",  # pick-and-pack times, store inventory accuracy
    "carriers",  # transit variability
    "payments",  # authorization declines and re-authorizations
    "service",  # service desk work (later issues)
    "catalog",  # SKU prices, weights, categories
    "network",  # network generation when not given a seed of its own
    "assortment",  # the share of the range each location carries, when drawn per location
)


class Streams:
    """One `numpy.random.Generator` per name in `STREAM_NAMES`.

    >>> a, b = Streams(7), Streams(7)
    >>> float(a.demand.random()) == float(b.demand.random())
    True
    >>> float(Streams(7).demand.random()) != float(Streams(8).demand.random())
    True
    """

    def __init__(self, seed: int) -> None:
        children = np.random.SeedSequence(seed).spawn(len(STREAM_NAMES))
        self._generators = {
            name: np.random.Generator(np.random.PCG64(child))
            for name, child in zip(STREAM_NAMES, children, strict=True)
        }

    def __getattr__(self, name: str) -> np.random.Generator:
        try:
            return self.__dict__["_generators"][name]
        except KeyError:
            raise AttributeError(
                f"no random stream {name!r}; streams: {', '.join(STREAM_NAMES)}"
            ) from None
