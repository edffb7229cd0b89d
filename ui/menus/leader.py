"""The leader's pages: the KPI pages first, then the pages about the municipality's own operations."""

from . import leader_operations

PAGES = [
    ("pages/leader_overview.py", "Nøgletal og sammenligning", ":material/dashboard:"),
    ("pages/leader_analysis.py", "Analyse af nøgletal", ":material/query_stats:"),
    *leader_operations.PAGES,
]
