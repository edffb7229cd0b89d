"""Danish labels for the children of a split: periods, bands, coded values and 'Uoplyst'."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import literal, select

from data_access.filters import band_key
from data_access.scope import UserScope
from data_access.warehouse_schema import dim_account_function, dim_legal_basis, dim_measure_group, dim_placement_type

from .catalogue import Dimension

UNKNOWN = "Uoplyst"

# Coded columns whose names live in a reference dimension (aggregate class: any analyst may read them).
_NAMED_BY = {
    "placement_type_code": (dim_placement_type.c.placement_type_code, dim_placement_type.c.name),
    "legal_basis_code": (dim_legal_basis.c.legal_basis_code,
                         dim_legal_basis.c.law + literal(" § ") + dim_legal_basis.c.paragraph + literal(": ")
                         + dim_legal_basis.c.text),
    "measure_group": (dim_measure_group.c.measure_group, dim_measure_group.c.name),
    "function_code": (dim_account_function.c.function_code,
                      dim_account_function.c.function_code + literal(" ") + dim_account_function.c.name),
}


def dimension_labels(warehouse, scope: UserScope, dimension: Dimension, keys: list[str | None],
                     known: dict[str, str] | None = None) -> dict[str | None, str]:
    """key → label: the dimension's own labels, its bands, names from the reference tables, the key itself."""
    labels: dict[str | None, str] = {band_key(low, high): label for low, high, label in dimension.bands}
    labels.update(dimension.labels)
    labels.update(known or {})
    keys = [None if pd.isna(k) else k for k in keys]
    wanted = [k for k in keys if k is not None and k not in labels]
    if wanted and dimension.column in _NAMED_BY:
        code, name = _NAMED_BY[dimension.column]
        frame = warehouse.fetch_aggregate(scope, select(code.label("key"), name.label("label")).where(code.in_(wanted)))
        labels.update(dict(zip(frame["key"], frame["label"], strict=True)))
    return {key: UNKNOWN if key is None else labels.get(key, key) for key in keys}
