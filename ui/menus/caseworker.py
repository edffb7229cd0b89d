"""The caseworker's pages."""

PAGES = [
    ("pages/caseworker_cases.py", "Mine sager", ":material/folder_shared:"),
]
