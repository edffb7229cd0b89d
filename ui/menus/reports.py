"""The leader's report pages: reports (standard, own and shared; templates and extracts) and subscriptions."""

PAGES: list[tuple[str, str, str]] = [
    ("pages/reports.py", "Rapporter", ":material/summarize:"),
    ("pages/subscriptions.py", "Abonnementer", ":material/forward_to_inbox:"),
]
