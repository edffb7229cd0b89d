"""Row filters and split keys, shared by KPI statements over aggregates and by person-level reads.

A choice made in a decomposition tree ("age band 6-11", "placement type unknown") must select the
same rows whether an aggregate or the facts behind it answer, so both build their conditions here.
A rule is a value, a list of values, ``{"between": [low, high]}``, or None for "no value registered".
"""

from __future__ import annotations

from sqlalchemy import String, case, cast, literal, not_, or_

Band = tuple[int, int, str]  # low, high, Danish label


def condition(column, rule):
    if rule is None:
        return column.is_(None)
    if isinstance(rule, dict):
        low, high = rule["between"]
        return column.between(low, high)
    if isinstance(rule, list | tuple):
        return column.in_(list(rule))
    return column == rule


def band_key(low: int, high: int) -> str:
    return f"{low}-{high}"


def split_key(column, bands: tuple[Band, ...] = ()):
    """The child a row falls in: its value as text, or the key of its band (NULL outside every band)."""
    if not bands:
        return column if isinstance(column.type, String) else cast(column, String)
    return case(*[(column.between(low, high), literal(band_key(low, high))) for low, high, _ in bands],
                else_=literal(None, String))


def choice(column, bands: tuple[Band, ...], key: str | None):
    """The rows of one child: ``split_key(column, bands) == key``, written so the database can prune."""
    if bands:
        if key is None:
            return or_(column.is_(None), not_(or_(*[column.between(low, high) for low, high, _ in bands])))
        low, high = (int(part) for part in key.split("-"))
        return column.between(low, high)
    if key is None:
        return column.is_(None)
    return column == key if isinstance(column.type, String) else cast(column, String) == key
