"""The politician's pages."""

PAGES = [
    ("pages/politician_targets.py", "Mål og resultater", ":material/flag:"),
]
