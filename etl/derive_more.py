"""Aggregates added after the core ones in etl/derive.py, kept apart so that module stays readable.

Each is rebuilt whole every night (they are small beside the facts) and mirrored in
data_access/fact_sources.py, so every KPI cell traces back to its fact rows.
"""

from __future__ import annotations

import duckdb


def aggregates(con: duckdb.DuckDBPyConnection) -> None:
    _notifications(con)
    _reimbursement(con)


def _notifications(con: duckdb.DuckDBPyConnection) -> None:
    """Notifications received per month, by the child's age on the day (K-UBU-NOTIF)."""
    con.execute("DELETE FROM wh.agg_notification_month")
    con.execute("""INSERT INTO wh.agg_notification_month
        SELECT date_trunc('month', n.received_date), n.municipality_code, n.notifier_code, n.urgent,
               age_on(c.birth_date, n.received_date), c.sex, count(*)
        FROM wh.fact_notification n JOIN wh.dim_citizen c USING (citizen_key)
        SEMI JOIN wh.dim_month m ON m.month = date_trunc('month', n.received_date)
        GROUP BY ALL""")


# The grants another municipality pays for, and from when their postings can be claimed back (K-ECO-REIMB-RECOV).
CLAIMED_GRANTS = """
    WITH claimed AS (
        SELECT grant_key, citizen_key, paying_municipality_code FROM wh.fact_grant
        WHERE paying_municipality_code <> acting_municipality_code),
    family AS (
        SELECT grant_key, citizen_key AS person FROM claimed
        UNION SELECT c.grant_key, r.parent_key FROM claimed c JOIN wh.fact_relation r ON r.child_key = c.citizen_key)
    SELECT c.grant_key, min(r.moved_in) AS claimable_from
    FROM claimed c LEFT JOIN family f USING (grant_key)
    LEFT JOIN wh.fact_residence r ON r.citizen_key = f.person AND r.municipality_code = c.paying_municipality_code
    GROUP BY c.grant_key"""
RECEIVED_ART = "77"  # artskonto 7.7: payments from municipalities


def _reimbursement(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM wh.agg_reimbursement_month")
    con.execute(f"""INSERT INTO wh.agg_reimbursement_month
        WITH claimed AS ({CLAIMED_GRANTS}),
        amounts AS (
            SELECT p.period_month, p.municipality_code, p.function_code, p.amount AS claimable, 0 AS recovered
            FROM wh.fact_payment p JOIN claimed c USING (grant_key)
            WHERE p.posting_date >= coalesce(c.claimable_from, DATE '1900-01-01')
            UNION ALL
            SELECT period_month, municipality_code, function_code, 0, -amount FROM wh.fact_payment
            WHERE art = '{RECEIVED_ART}')
        SELECT a.period_month, a.municipality_code, a.function_code, f.area, sum(a.claimable), sum(a.recovered)
        FROM amounts a JOIN wh.dim_account_function f USING (function_code)
        SEMI JOIN wh.dim_month m ON m.month = a.period_month
        GROUP BY ALL""")
