"""Nightly aggregates on how children's measures end: placement breakdowns (K-UBU-BREAKDOWN) and the
transition from children's to adult support (K-UBU-TRANS-GAP).

Both are rebuilt whole after every run (small beside the facts); data_access/fact_sources.py mirrors them.
"""

from __future__ import annotations

import duckdb

BREAKDOWN_WINDOW_MONTHS = 12  # a month's figure covers the 12 months up to and including it
TABLES = ("agg_placement_breakdown_month",)


def build(con: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES:
        con.execute(f"DELETE FROM wh.{table}")
    _placement_breakdowns(con)


def _placement_breakdowns(con: duckdb.DuckDBPyConnection) -> None:
    """Placements active in the 12 months up to each month, and those that ended in breakdown then.

    A rolling year rather than the month: breakdowns are rare, and the catalogue's rate is per year (a
    calendar year is its December). Each placement expands over the months whose window it touches.
    """
    con.execute(f"""INSERT INTO wh.agg_placement_breakdown_month
        WITH bounds AS (SELECT min(month) AS first, max(month) AS last FROM wh.dim_month),
        placements AS (
            SELECT g.citizen_key, g.paying_municipality_code, g.acting_municipality_code, g.placement_type_code,
                   g.start_date, g.end_date, coalesce(r.breakdown, false) AS breakdown,
                   CAST(unnest(generate_series(greatest(date_trunc('month', g.start_date), b.first),
                        least(date_trunc('month', coalesce(g.end_date, b.last))
                              + INTERVAL {BREAKDOWN_WINDOW_MONTHS - 1} MONTH, b.last),
                        INTERVAL 1 MONTH)) AS DATE) AS month
            FROM wh.fact_grant g CROSS JOIN bounds b LEFT JOIN wh.dim_end_reason r USING (end_reason_code)
            WHERE g.measure_group = 'placement' AND (g.end_date IS NULL OR g.end_date >= b.first))
        SELECT p.month, p.paying_municipality_code, p.acting_municipality_code, p.placement_type_code,
               age_on(c.birth_date, least(coalesce(p.end_date, last_day(p.month)), last_day(p.month))) AS age,
               c.sex, count(*), count(*) FILTER (WHERE p.breakdown AND p.end_date <= last_day(p.month))
        FROM placements p JOIN wh.dim_citizen c USING (citizen_key)
        GROUP BY ALL""")

