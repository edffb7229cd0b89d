"""The leader's pages: the KPI pages first, then the pages about the municipality's own operations."""

from . import leader_operations

PAGES = [
    ("pages/leader_benchmark.py", "Nøgletal og sammenligning", ":material/monitoring:"),
    *leader_operations.PAGES,
]
