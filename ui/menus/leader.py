"""The leader's pages."""

PAGES = [
    ("pages/leader_benchmark.py", "Nøgletal og sammenligning", ":material/monitoring:"),
]
