"""The leader's pages: the KPI pages first, then the municipality's own operations, then reports."""

from . import leader_operations, reports

PAGES = [
    ("pages/leader_overview.py", "Nøgletal og sammenligning", ":material/dashboard:"),
    ("pages/leader_analysis.py", "Analyse af nøgletal", ":material/query_stats:"),
    *leader_operations.PAGES,
    *reports.PAGES,
]
