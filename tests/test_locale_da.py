"""Danish number formatting: what every screen, report and file shows."""

from locale_da import kroner, number, percent


def test_thousands_point_and_decimal_comma():
    assert number(1234567.891, 2) == "1.234.567,89"
    assert number(-1234.5, 1) == "-1.234,5"
    assert kroner(2500) == "2.500 kr."
    assert percent(12.345) == "12,3 %"


def test_missing_and_infinite_values_show_a_dash():
    assert number(None) == "–"
    assert number(float("nan"), 1) == "–"
    assert number(float("inf")) == "–"
    assert percent(None) == "–"


def test_a_value_that_rounds_to_zero_is_never_shown_as_minus_zero():
    # A ratio summed from fractions can come out as -5.6e-17 instead of 0.
    assert number(-5.6e-17, 1) == "0,0"
    assert number(-0.04, 1) == "0,0"
    assert number(-0.0) == "0"
    assert percent(-0.01) == "0,0 %"
    assert number(-0.06, 1) == "-0,1"  # a real negative value keeps its sign
