"""Analysis: KPIs computed from a run's event log alone (`kpis`, `service_kpis`; every key is
described in docs/kpis.md), the M/M/c queue formulas the simulation is validated against
(`queueing`), and figures: a plotly map of a fulfillment network (`network_map.fig_network`)
and the notebooks' figure builders, each a ``fig_<subject>`` function returning a plotly
figure (`routing_figures`: strategies compared; `exception_figures`: process exceptions and
the service desk; `mining`: the OCEL export in pm4py). Licensing: Order Summary volume and GMV
per month, channel and billing type, from one run (`licensing`, docs/licensing.md) or over
replications (`licensing_replications`), and what each licensing model costs from a price
table given as data (`license_prices`, `license_costs`).

Never imports simpy or the model. KPIs read one run; the figure builders also draw experiment
results (`omsim.experiments.ExperimentResult`), whose replication statistics live in
`omsim.experiments.stats`.
"""
