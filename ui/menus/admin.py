"""The local administrator's pages."""

PAGES = [
    ("pages/admin_etl_runs.py", "Dataindlæsning", ":material/sync:"),
    ("pages/admin_quarantine.py", "Karantæne", ":material/report:"),
    ("pages/admin_uploads.py", "Upload af data", ":material/upload_file:"),
    ("pages/admin_users.py", "Brugere og roller", ":material/group:"),
    ("pages/admin_audit.py", "Logbog", ":material/history:"),
]
