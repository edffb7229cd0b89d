"""The leader's pages in three sections: the KPIs, the municipality's own operations, and reports."""

from . import leader_operations, reports

PAGES = {
    "Nøgletal": [
        ("pages/leader_overview.py", "Nøgletal og sammenligning", ":material/dashboard:"),
        ("pages/leader_analysis.py", "Analyse af nøgletal", ":material/query_stats:"),
    ],
    "Egen drift": leader_operations.PAGES,
    "Rapporter": reports.PAGES,
}
