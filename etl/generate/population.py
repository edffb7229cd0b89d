"""Synthetic population by municipality, single year of age and sex (DST FOLK1A shape)."""

from __future__ import annotations

import random
from datetime import date

MAX_AGE = 99  # FOLK1A's last single-year group; older persons are rare enough to fold in

# Relative weight of each single year of age; 0-22-year-olds come out near 27 % (primer §5.1).
_BANDS = ((0, 22, 1.17), (23, 34, 1.25), (35, 64, 1.25), (65, 79, 1.05), (80, 89, 0.45), (90, 99, 0.10))


def age_profile(rng: random.Random) -> list[float]:
    """Share of the population at each age 0..99 for one municipality, with a little local colour."""
    weights = []
    for low, high, weight in _BANDS:
        band_factor = rng.uniform(0.93, 1.07)
        weights.extend(weight * band_factor for _ in range(low, high + 1))
    total = sum(weights)
    return [w / total for w in weights]


def male_share(age: int) -> float:
    return 0.513 if age < 60 else 0.49 if age < 80 else 0.40


def population_table(population: int, profile: list[float], quarters: list[date]) -> dict:
    """{(quarter_start, age, sex): persons}, growing slowly from quarter to quarter."""
    table = {}
    for index, quarter in enumerate(quarters):
        total = population * (1 + 0.0012 * index)
        for age, share in enumerate(profile):
            persons = total * share
            men = round(persons * male_share(age))
            table[(quarter, age, "M")] = men
            table[(quarter, age, "K")] = round(persons) - men
    return table


def count_in_ages(population: int, profile: list[float], low: int, high: int) -> float:
    return population * sum(profile[low:min(high, MAX_AGE) + 1])
