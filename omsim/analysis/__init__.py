"""Analysis: KPIs computed from a run's event log alone (`kpis`, `service_kpis`; every key is
described in docs/kpis.md), the M/M/c queue formulas the simulation is validated against
(`queueing`) and a plotly map of a fulfillment network (`network_map.fig_network`).

Never imports simpy or the model. There are no replication statistics (means and confidence
intervals over seeds) yet: each function here reads one run.
"""
