"""Facts about the published warehouse itself: which run built it and how current its data are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import meta_load


@dataclass(frozen=True)
class LoadInfo:
    run_id: str
    data_as_of: date  # extraction date: the data run up to the day before
    loaded_at: datetime

    @property
    def last_complete_month(self) -> date:
        return (self.data_as_of - timedelta(days=1)).replace(day=1)


def load_info(warehouse: Warehouse | None = None) -> LoadInfo:
    warehouse = warehouse or current_warehouse()
    newest = select(meta_load.c.run_id, meta_load.c.data_as_of, meta_load.c.finished_at).order_by(
        meta_load.c.finished_at.desc()).limit(1)
    row = warehouse.query(newest).iloc[0]
    return LoadInfo(row["run_id"], _as_date(row["data_as_of"]), row["finished_at"].to_pydatetime())


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") else value
