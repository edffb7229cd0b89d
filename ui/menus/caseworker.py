"""The caseworker's pages."""

PAGES = [
    ("pages/caseworker_cases.py", "Mine sager", ":material/folder_shared:"),
    ("pages/caseworker_citizen.py", "Borger", ":material/person:"),
    ("pages/caseworker_transition.py", "Overgang 16-19 år", ":material/swap_horiz:"),
    ("pages/caseworker_paying.py", "Betalingskommune", ":material/account_balance:"),
]
