"""Nightly aggregates on how children's measures end: placement breakdowns (K-UBU-BREAKDOWN) and the
transition from children's to adult support (K-UBU-TRANS-GAP).

Both are rebuilt whole after every run (small beside the facts); data_access/fact_sources.py mirrors them.
"""

from __future__ import annotations

import duckdb

BREAKDOWN_WINDOW_MONTHS = 12  # a month's figure covers the 12 months up to and including it
TRANSITION_AGES = (16, 19)  # F-KOM-TRANSITION: the children's measures ended at 16-19
TRANSITION_DAYS = 30  # an adult measure more than 30 days after the children's measures ended is a gap
TABLES = ("agg_placement_breakdown_month", "agg_transition_gap_month")


def build(con: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES:
        con.execute(f"DELETE FROM wh.{table}")
    _placement_breakdowns(con)
    _transition_gaps(con)


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


def _transition_gaps(con: duckdb.DuckDBPyConnection) -> None:
    """Young people assessed to need adult support whose children's measures all ended at 16-19, counted in
    the month their 30 days ran out (when it is known whether an adult measure came in time), and those of
    them with no adult measure running or started by then: later, or never.

    Their last children's grant (the latest end) gives the municipalities; a children's grant still open
    means the children's measures have not ended.
    """
    low, high = TRANSITION_AGES
    con.execute(f"""INSERT INTO wh.agg_transition_gap_month
        WITH children AS (
            SELECT citizen_key, grant_key, end_date, paying_municipality_code, acting_municipality_code,
                   row_number() OVER (PARTITION BY citizen_key ORDER BY end_date DESC, grant_key DESC) AS newest,
                   count(*) OVER (PARTITION BY citizen_key) - count(end_date) OVER (PARTITION BY citizen_key)
                       AS still_open,
                   max(CASE WHEN adult_need_assessed THEN 1 ELSE 0 END) OVER (PARTITION BY citizen_key) AS assessed
            FROM wh.fact_grant WHERE area = 'children'),
        ended AS (
            SELECT ch.*, CAST(date_trunc('month', ch.end_date + INTERVAL {TRANSITION_DAYS + 1} DAY) AS DATE) AS month,
                   EXISTS (SELECT 1 FROM wh.fact_grant a WHERE a.citizen_key = ch.citizen_key AND a.area = 'adults'
                           AND a.start_date <= ch.end_date + INTERVAL {TRANSITION_DAYS} DAY
                           AND (a.end_date IS NULL OR a.end_date >= ch.end_date)) AS in_time
            FROM children ch WHERE ch.newest = 1 AND ch.still_open = 0 AND ch.assessed = 1)
        SELECT e.month, e.paying_municipality_code, e.acting_municipality_code,
               age_on(c.birth_date, e.end_date) AS age, c.sex, count(*), count(*) FILTER (WHERE NOT e.in_time)
        FROM ended e JOIN wh.dim_citizen c USING (citizen_key) JOIN wh.dim_month m USING (month)
        WHERE age_on(c.birth_date, e.end_date) BETWEEN {low} AND {high}
        GROUP BY ALL""")
