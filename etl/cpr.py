"""CPR-number rules: the birth date and sex a number encodes, and synthetic numbers.

Synthetic numbers use the replacement-number style (day of month + 60), so none of them
can be a real person's number.
"""

from __future__ import annotations

import random
from datetime import date


def century_for(year_in_century: int, seventh_digit: int) -> int | None:
    """The century a CPR number's 7th digit gives, following the CPR office's table."""
    if seventh_digit in (0, 1, 2, 3):
        return 1900
    if seventh_digit in (4, 9):
        return 2000 if year_in_century <= 36 else 1900
    if seventh_digit in (5, 6, 7, 8):
        return 2000 if year_in_century <= 57 else 1800
    return None


def birth_date(cpr: str) -> date | None:
    """The birth date a 10-digit number encodes (real or replacement style), or None."""
    digits = cpr.replace("-", "")
    if len(digits) != 10 or not digits.isdigit():
        return None
    day, month, yy, seventh = int(digits[0:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6])
    if day > 60:
        day -= 60
    century = century_for(yy, seventh)
    if century is None:
        return None
    try:
        return date(century + yy, month, day)
    except ValueError:
        return None


def is_replacement_number(cpr: str) -> bool:
    digits = cpr.replace("-", "")
    return birth_date(digits) is not None and int(digits[0:2]) > 60


def sex(cpr: str) -> str:
    """'M' for an odd last digit, 'K' (kvinde) for an even one."""
    return "M" if int(cpr[-1]) % 2 else "K"


def synthetic_cpr(born: date, female: bool, rng: random.Random, taken: set[str]) -> str:
    """A unique replacement-style number for a birth date and sex."""
    yy = born.year % 100
    if born.year >= 2000:
        sevenths = (4,) if yy <= 36 else (5, 6, 7, 8)
    else:
        sevenths = (0, 1, 2, 3)
    prefix = f"{born.day + 60:02d}{born.month:02d}{yy:02d}"
    for _ in range(10_000):
        last = rng.randrange(0, 10, 2) if female else rng.randrange(1, 10, 2)
        number = f"{prefix}{rng.choice(sevenths)}{rng.randrange(100):02d}{last}"
        if number not in taken:
            taken.add(number)
            return number
    raise RuntimeError(f"no free synthetic CPR number left for {born}")


def masked(cpr: str) -> str:
    """Birth-date part only, as caseworkers see a number until they reveal it."""
    digits = cpr.replace("-", "")
    return f"{digits[:6]}-xxxx"
