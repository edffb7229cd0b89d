"""The local administrator's pages."""

PAGES = [
    ("pages/admin_etl_runs.py", "Dataindlæsning", ":material/sync:"),
]
