"""The simulation layer: seeded streams, demand, the model builder and the starter flows."""
