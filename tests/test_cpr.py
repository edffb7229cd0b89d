"""CPR rules: the Python and SQL versions agree, and synthetic numbers are never real ones."""

from __future__ import annotations

import random
from datetime import date

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.contracts import KINDS, MACROS
from etl.cpr import birth_date, is_replacement_number, masked, sex, synthetic_cpr

_SQL = duckdb.connect()
for _macro in MACROS:
    _SQL.execute(_macro)


def sql_birth_date(number: str) -> date | None:
    return _SQL.execute("SELECT cpr_birth_date(?)", [number]).fetchall()[0][0]


@settings(max_examples=300, deadline=None)
@given(born=st.dates(min_value=date(1900, 1, 1), max_value=date(2036, 12, 31)), female=st.booleans(),
       seed=st.integers(0, 10_000))
def test_synthetic_numbers_encode_birth_date_and_sex_and_are_replacement_numbers(born, female, seed):
    number = synthetic_cpr(born, female, random.Random(seed), set())
    assert birth_date(number) == born == sql_birth_date(number)
    assert is_replacement_number(number)
    assert sex(number) == ("K" if female else "M")
    assert masked(number) == number[:6] + "-xxxx"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_sql_and_python_agree_on_any_ten_digits(number):
    assert sql_birth_date(number) == birth_date(number)


def test_known_numbers():
    assert birth_date("0101001234") == date(1900, 1, 1)
    assert birth_date("6101004291") == date(2000, 1, 1)  # day + 60, 7th digit 4 and year 00 → 2000
    assert birth_date("3102001234") is None  # 31 February
    assert birth_date("010100523x") is None
    assert not is_replacement_number("0101001234")


def sql_accepts(text: str) -> str | None:
    return _SQL.execute(f"SELECT {KINDS['cpr'].sql.format(raw='?')}", [text] * 5).fetchall()[0][0]


@settings(max_examples=800, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=10, max_size=10), dash=st.booleans())
def test_the_loaders_cpr_check_accepts_exactly_the_valid_numbers(digits, dash):
    text = f"{digits[:6]}-{digits[6:]}" if dash else digits
    assert sql_accepts(text) == (digits if birth_date(digits) is not None else None)


def test_the_loaders_cpr_check_knows_the_calendar():
    assert sql_accepts("2902241234") == "2902241234"  # 29 February 1924 (century digit 1: 1900s)
    assert sql_accepts("2902231234") is None  # 1923 was no leap year
    assert sql_accepts("9102001234") is None  # 31 February, replacement style
    assert sql_accepts("700512-412") is None
