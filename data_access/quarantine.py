"""Rows the ETL put in quarantine, for a local administrator: the own municipality's files only.

A delivery's municipality is in its file name (``PRISME_POSTERINGER_0479_20261101.csv``); files
without one (CPR, Danmarks Statistik) are national and shared by every municipality, so every
administrator sees theirs. CPR numbers in quarantined values were masked by the ETL.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from etl.sources import source_for

from .scope import Role, UserScope
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import meta_load, meta_load_file, quarantine

FILE_COLUMNS = ["run_id", "finished_at", "file_name", "source", "rows_read", "rows_quarantined"]
ROW_COLUMNS = ["run_id", "file_name", "line", "column_name", "value", "reason"]


def file_municipality(file_name: str) -> int | None:
    """The municipality a delivery belongs to by its name; None for a national file (or an unknown name)."""
    match = source_for(file_name)
    code = match[1].get("municipality") if match else None
    return int(code) if code else None


def quarantine_files(scope: UserScope, warehouse: Warehouse | None = None) -> pd.DataFrame:
    """The loaded files with rows in quarantine that the administrator may see, newest run first."""
    scope.require(Role.ADMIN)
    statement = (select(meta_load_file.c.run_id, meta_load.c.finished_at, meta_load_file.c.file_name,
                        meta_load_file.c.source, meta_load_file.c.rows_read, meta_load_file.c.rows_quarantined)
                 .join_from(meta_load_file, meta_load, meta_load.c.run_id == meta_load_file.c.run_id)
                 .where(meta_load_file.c.rows_quarantined > 0)
                 .order_by(meta_load.c.finished_at.desc(), meta_load_file.c.file_name))
    files = (warehouse or current_warehouse()).query(statement)
    visible = [_visible(scope, name) for name in files["file_name"]]
    return files[visible].reset_index(drop=True)[FILE_COLUMNS]


def quarantined_rows(scope: UserScope, file_name: str | None = None, run_id: str | None = None,
                     warehouse: Warehouse | None = None) -> pd.DataFrame:
    """File, line, column, value and reason of each quarantined row, for the files the administrator may see."""
    scope.require(Role.ADMIN)
    warehouse = warehouse or current_warehouse()
    names = quarantine_files(scope, warehouse)["file_name"].unique().tolist()
    if file_name is not None:
        names = [name for name in names if name == file_name]
    if not names:
        return pd.DataFrame(columns=ROW_COLUMNS)
    statement = (select(*(quarantine.c[name] for name in ROW_COLUMNS)).where(quarantine.c.file_name.in_(names))
                 .order_by(quarantine.c.file_name, quarantine.c.line, quarantine.c.column_name))
    if run_id is not None:
        statement = statement.where(quarantine.c.run_id == run_id)
    return warehouse.query(statement)


def _visible(scope: UserScope, file_name: str) -> bool:
    municipality = file_municipality(file_name)
    return municipality is None or municipality == scope.municipality_code
