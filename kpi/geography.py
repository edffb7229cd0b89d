"""Where the municipalities lie, for maps: the point of each in the warehouse's municipality dimension.

The points come from config/municipalities.csv (loaded into dim_municipality by the ETL), an
approximate centre of each of the 98 municipalities; maps draw them without any map tiles.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from data_access.scope import UserScope
from data_access.warehouse import Warehouse
from data_access.warehouse_schema import dim_municipality

POINT_COLUMNS = ["municipality_code", "name", "region_name", "latitude", "longitude"]


def municipality_points(warehouse: Warehouse, scope: UserScope) -> pd.DataFrame:
    """One row per municipality: code, name, region, latitude and longitude."""
    statement = select(*(dim_municipality.c[c] for c in POINT_COLUMNS)).order_by(dim_municipality.c.municipality_code)
    return warehouse.fetch_aggregate(scope, statement)
