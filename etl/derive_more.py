"""Aggregates added after the core ones in etl/derive.py, kept apart so that module stays readable.

Each is rebuilt whole every night (they are small beside the facts) and mirrored in
data_access/fact_sources.py, so every KPI cell traces back to its fact rows.
"""

from __future__ import annotations

import duckdb


def aggregates(con: duckdb.DuckDBPyConnection) -> None:
    _notifications(con)


def _notifications(con: duckdb.DuckDBPyConnection) -> None:
    """Notifications received per month, by the child's age on the day (K-UBU-NOTIF)."""
    con.execute("DELETE FROM wh.agg_notification_month")
    con.execute("""INSERT INTO wh.agg_notification_month
        SELECT date_trunc('month', n.received_date), n.municipality_code, n.notifier_code, n.urgent,
               age_on(c.birth_date, n.received_date), c.sex, count(*)
        FROM wh.fact_notification n JOIN wh.dim_citizen c USING (citizen_key)
        SEMI JOIN wh.dim_month m ON m.month = date_trunc('month', n.received_date)
        GROUP BY ALL""")
