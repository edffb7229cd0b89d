"""The leader's pages about the municipality's own operations: providers, budget, effect, registration."""

PAGES: list[tuple[str, str, str]] = [
    ("pages/leader_providers.py", "Leverandører og enheder", ":material/storefront:"),
    ("pages/leader_budget.py", "Faktabaseret budget", ":material/account_balance:"),
    ("pages/leader_effect.py", "Effekt og økonomi", ":material/trending_up:"),
    ("pages/leader_registration.py", "Registreringspraksis", ":material/fact_check:"),
]
