"""The leader's pages about the municipality's own operations: providers, budget, effect, registration."""

PAGES: list[tuple[str, str, str]] = []
