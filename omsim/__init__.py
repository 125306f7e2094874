"""omsim: a discrete-event workbench for the Salesforce Order Management lifecycle.

Layers (imports point down only): faces -> experiments -> analysis -> event log -> simulation
-> network -> domain; the scenario schema sits beside them. See README.md for the layout.
"""

__version__ = "0.1.0"
