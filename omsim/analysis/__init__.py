"""Analysis: KPIs, replication statistics and plotly figures; never imports simpy or the model."""
