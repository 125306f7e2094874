"""The fulfillment network: locations and zones, OCI-style inventory, routing strategies.

Pure code with no SimPy: the graph of record (:mod:`~omsim.network.graph`), its dense matrix for
the hot path (:mod:`~omsim.network.matrix`), availability and reservations
(:mod:`~omsim.network.inventory`), replenishment policies (:mod:`~omsim.network.replenishment`) and
routing (:mod:`~omsim.network.routing`).
"""
