"""Tables derived from the facts after every run: citizens, months, person-months, flags, aggregates.

A nightly delta does only what can have changed:

- citizens: those whose CPR data changed, and the new ones;
- person-months: the citizens whose grants or CPR data changed, in every month, and every citizen in
  months that are new; their aggregate takes the difference between the rows removed and added;
- double payments: the grants with new postings or a new version;
- grant and finding counts: the caseworkers with a changed grant or finding, and new months;
- the fact-based budget's commitments: the budget lines with a changed grant, and new months.
- population per month: only when Danmarks Statistik's figures changed or a month was added.

The other aggregates are rebuilt whole: each takes well under a second nationally.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import duckdb

from . import derive_more, derive_transitions
from .build import DAYS_PER_MONTH

MISSING_PAYMENTS_MONTHS = 3  # an open grant with no payments for this long probably ended unregistered
LATE_DAYS = 30  # K-DQ-LATE: registered more than 30 days after the start
# K-DQ-MISSING: a required field left empty (an unregistered end date shows as payments that stopped).
MISSING_FIELD_FLAGS = ("MISSING_TARGET_GROUP", "MISSING_PLACEMENT_TYPE", "MISSING_PROVIDER", "MISSING_END_DATE")
# F-KOM-EFFECT: the baseline is the first score from 30 days before to 45 days after the start; a
# follow-up is the score nearest to 6 or 12 months after the start, at most 90 days either side.
BASELINE_DAYS_BEFORE, BASELINE_DAYS_AFTER = 30, 45
FOLLOW_UP_HORIZONS, FOLLOW_UP_TOLERANCE_DAYS = (6, 12), 90
ADULT_AGE = 18
YOUTH_SUPPORT_LAST_AGE = 22  # youth support (BL §§ 111-121) runs to the 23rd birthday
STAIRCASE_MONTHS = 12  # a step down counts if the citizen is on a lower step this many months after starting
# Every version, old and new, of the grants this run changed: where they counted before and where they count now.
CHANGED_GRANT_VERSIONS = """SELECT * FROM wh.fact_grant_version WHERE grant_key IN
    (SELECT grant_key FROM wh.fact_grant_version WHERE etl_run_id = getvariable('run_id'))"""


def derive(con: duckdb.DuckDBPyConnection, data_as_of: date, full: bool, watch=None) -> None:
    con.execute("CREATE OR REPLACE MACRO age_on(born, day) AS year(day) - year(born) - "
                "CASE WHEN month(day) * 100 + day(day) < month(born) * 100 + day(born) THEN 1 ELSE 0 END")

    def lap(stage: str) -> None:
        if watch is not None:
            watch.lap(stage)

    con.execute(f"SET VARIABLE data_as_of = DATE '{data_as_of:%Y-%m-%d}'")
    _citizens(con, full)
    _months(con, data_as_of)
    _links(con)
    lap("borgere, måneder og koblinger")
    _person_months(con, data_as_of, full)
    lap("personmåneder")
    _flags(con, data_as_of, full)
    lap("datakvalitet")
    _aggregates(con, full)
    lap("aggregater")


def _citizens(con: duckdb.DuckDBPyConnection, full: bool) -> None:
    """A nightly delta refreshes the citizens whose CPR data changed and adds the new ones; a pseudonym's
    masked number, birth date and sex from the number itself never change."""
    if full:
        con.execute("DELETE FROM wh.dim_citizen")
    else:
        con.execute("DELETE FROM wh.dim_citizen WHERE citizen_key IN "
                    "(SELECT citizen_key FROM wh.person_cpr_version WHERE etl_run_id = getvariable('run_id'))")
    con.execute("""INSERT INTO wh.dim_citizen
        SELECT k.citizen_key, coalesce(p.first_name || ' ' || p.last_name, '(ikke i CPR-udtrækket)'), k.masked_cpr,
               coalesce(p.birth_date, k.birth_date), coalesce(p.sex, k.sex), p.residence_municipality_code
        FROM wh.known_citizen k LEFT JOIN wh.person_cpr p USING (citizen_key)
        ANTI JOIN wh.dim_citizen d USING (citizen_key)""")


def _months(con: duckdb.DuckDBPyConnection, data_as_of: date) -> None:
    """From the first month of payment history to the last complete month before the extraction."""
    first = con.execute("""SELECT coalesce((SELECT min(period_month) FROM wh.fact_payment),
                                           (SELECT min(quarter_start) FROM wh.fact_population))""").fetchall()[0][0]
    if first is None:
        raise ValueError("leverancerne har hverken posteringer eller befolkningstal, så der er ingen måneder at vise")
    con.execute("CREATE OR REPLACE TEMP TABLE previous_months AS SELECT month FROM wh.dim_month")
    con.execute("DELETE FROM wh.dim_month")
    con.execute(f"""INSERT INTO wh.dim_month
        SELECT m, year(m), quarter(m), month(m), day(last_day(m))
        FROM (SELECT CAST(unnest(generate_series(DATE '{first:%Y-%m-%d}',
              DATE '{data_as_of:%Y-%m-%d}' - INTERVAL 1 MONTH, INTERVAL 1 MONTH)) AS DATE) AS m)""")
    con.execute("CREATE OR REPLACE TEMP TABLE new_months AS SELECT month FROM wh.dim_month ANTI JOIN previous_months "
                "USING (month)")


def _links(con: duckdb.DuckDBPyConnection) -> None:
    """Postings and assessments that arrived before the grant they name get linked once it is there."""
    for table in ("fact_payment", "fact_assessment"):
        con.execute(f"""UPDATE wh.{table} SET grant_key = g.grant_key FROM wh.fact_grant g
            WHERE wh.{table}.grant_key IS NULL AND wh.{table}.source_system = g.source_system
              AND wh.{table}.municipality_code = g.acting_municipality_code
              AND wh.{table}.reference = g.source_grant_id""")


_GRANT_MONTH_COLUMNS = """citizen_key, grant_key, area, measure_group, paying_municipality_code,
    acting_municipality_code, placement_type_code, legal_basis_code, caseworker_key, provider_key, target_group,
    source_system, start_date, end_date"""


def _days_active(as_of: str) -> str:
    """SQL for the days a grant (start_date, end_date; open until ``as_of``) was active in ``month``."""
    return (f"datediff('day', greatest(start_date, month), "
            f"least(coalesce(end_date, {as_of} - 1), last_day(month))) + 1")


def grant_months(grants: str, first: str, last: str, as_of: str) -> str:
    """SQL for each grant's months between ``first`` and ``last`` (dates), with the days it was active in each.

    Expands each grant over its own months with generate_series, instead of a range join against every month.
    """
    return f"""
        SELECT *, {_days_active(as_of)} AS days_active
        FROM (SELECT {_GRANT_MONTH_COLUMNS},
                     CAST(unnest(generate_series(greatest(date_trunc('month', start_date), {first}),
                                                 least(date_trunc('month', coalesce(end_date, {as_of} - 1)), {last}),
                                                 INTERVAL 1 MONTH)) AS DATE) AS month
              FROM {grants})"""


def _person_months(con: duckdb.DuckDBPyConnection, data_as_of: date, full: bool) -> None:
    """One row per citizen, month and measure group; the grant active most days that month lends its attributes."""
    if full:
        con.execute("DELETE FROM wh.fact_person_month")
    else:
        con.execute("""CREATE OR REPLACE TEMP TABLE affected AS
            SELECT DISTINCT v.citizen_key FROM wh.fact_grant_version v
            SEMI JOIN (SELECT grant_key FROM wh.fact_grant_version WHERE etl_run_id = getvariable('run_id')) t
                USING (grant_key)
            UNION SELECT citizen_key FROM wh.person_cpr_version WHERE etl_run_id = getvariable('run_id')""")
        # Kept so the person aggregate can subtract what it counted for these citizens.
        con.execute("CREATE OR REPLACE TEMP TABLE person_months_removed AS "
                    "SELECT * FROM wh.fact_person_month SEMI JOIN affected USING (citizen_key)")
        con.execute("DELETE FROM wh.fact_person_month USING affected a "
                    "WHERE wh.fact_person_month.citizen_key = a.citizen_key")
    as_of = f"DATE '{data_as_of:%Y-%m-%d}'"
    def span(months: str) -> tuple[str, str, str]:
        return f"(SELECT min(month) FROM {months})", f"(SELECT max(month) FROM {months})", months

    if full:
        passes = [("wh.fact_grant", *span("wh.dim_month"))]
    else:  # changed citizens in every month; everyone else only in months that are new
        passes = [("wh.fact_grant SEMI JOIN affected USING (citizen_key)", *span("wh.dim_month")),
                  ("wh.fact_grant ANTI JOIN affected USING (citizen_key)", *span("new_months"))]
    with _any_order(con):
        for grants, first, last, months in passes:
            _insert_person_months(con, grants, first, last, months, as_of)
    con.execute("DROP TABLE grant_spans")


@contextmanager
def _any_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Inserts meanwhile need not keep the order of the rows they select, so DuckDB writes them on every
    thread (the national person-months, 20 million rows: 18 s instead of 22 s). Their order was arbitrary
    anyway (a window's partitions), so no query reads fewer row groups for it. The build reads files with
    the order kept, since a row's line follows from it (etl/readers.py)."""
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute("SET preserve_insertion_order = true")


def _insert_person_months(con: duckdb.DuckDBPyConnection, grants: str, first: str, last: str, months: str,
                          as_of: str) -> None:
    """The person-months of ``grants`` in ``months``: one row per citizen, month and measure group."""
    _grant_spans(con, grants, first, last, as_of)
    # A grant alone in its measure group in every month it covers is the chosen grant there: its months
    # go straight in. Only grants sharing a month with another go through the choice.
    con.execute(f"""INSERT INTO wh.fact_person_month
        SELECT g.citizen_key, g.month, g.area, g.measure_group, g.grant_key, g.paying_municipality_code,
               g.acting_municipality_code, g.placement_type_code, g.legal_basis_code, g.caseworker_key,
               g.provider_key, g.target_group, age_on(c.birth_date, last_day(g.month)), c.sex, g.days_active
        FROM ({_span_months("NOT shares_month", as_of)}) g JOIN wh.dim_citizen c USING (citizen_key)
        WHERE g.days_active > 0 AND g.month IN (SELECT month FROM {months})""")
    # arg_max picks the grant with the most days (then the latest start, then the highest key) in one pass.
    con.execute(f"""INSERT INTO wh.fact_person_month
        WITH chosen AS (
            SELECT citizen_key, month, measure_group,
                   arg_max({{'grant_key': grant_key, 'area': area, 'paying': paying_municipality_code,
                            'acting': acting_municipality_code, 'placement': placement_type_code,
                            'legal': legal_basis_code, 'caseworker': caseworker_key, 'provider': provider_key,
                            'target_group': target_group, 'days': days_active}},
                           (days_active, start_date, grant_key)) AS g
            FROM ({_span_months("shares_month", as_of)})
            WHERE days_active > 0 AND month IN (SELECT month FROM {months})
            GROUP BY citizen_key, month, measure_group)
        SELECT r.citizen_key, r.month, r.g.area, r.measure_group, r.g.grant_key, r.g.paying, r.g.acting,
               r.g.placement, r.g.legal, r.g.caseworker, r.g.provider, r.g.target_group,
               age_on(c.birth_date, last_day(r.month)),
               c.sex, r.g.days
        FROM chosen r JOIN wh.dim_citizen c USING (citizen_key)""")


def _grant_spans(con: duckdb.DuckDBPyConnection, grants: str, first: str, last: str, as_of: str) -> None:
    """Each grant's first and last month within ``first``..``last``, and whether another grant of the same
    citizen and measure group covers any of those months (ordered by first month, a grant shares a month
    with an earlier one if any earlier one reaches its first month, or with a later one if the next starts
    by its last)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE grant_spans AS
        SELECT *, coalesce(first_month <= max(last_month) OVER earlier, false)
                  OR coalesce(lead(first_month) OVER ordered <= last_month, false) AS shares_month
        FROM (SELECT {_GRANT_MONTH_COLUMNS},
                     greatest(date_trunc('month', start_date), {first}) AS first_month,
                     least(date_trunc('month', coalesce(end_date, {as_of} - 1)), {last}) AS last_month
              FROM {grants})
        WHERE first_month <= last_month
        WINDOW ordered AS (PARTITION BY citizen_key, measure_group ORDER BY first_month, last_month, grant_key),
               earlier AS (PARTITION BY citizen_key, measure_group ORDER BY first_month, last_month, grant_key
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)""")


def _span_months(where: str, as_of: str) -> str:
    """The months of the spans matching ``where``, with the days the grant was active in each."""
    return f"""
        SELECT *, {_days_active(as_of)} AS days_active
        FROM (SELECT *, CAST(unnest(generate_series(first_month, last_month, INTERVAL 1 MONTH)) AS DATE) AS month
              FROM grant_spans WHERE {where})"""


def _flags(con: duckdb.DuckDBPyConnection, data_as_of: date, full: bool) -> None:
    """Registration practice (F-KOM-REGPRACTICE): findings on current grants; nothing is corrected."""
    as_of = f"DATE '{data_as_of:%Y-%m-%d}'"
    last_day = f"({as_of} - 1)"
    if full:
        con.execute("DELETE FROM wh.fact_grant_flag")
        paid_grants = "wh.fact_payment"
    else:  # postings are never changed, so a grant's double payments change only with new postings or versions
        # Kept so the grant counts can tell whose findings came or went (_grant_counts).
        con.execute("CREATE OR REPLACE TEMP TABLE flags_before AS SELECT grant_key, flag_code FROM wh.fact_grant_flag")
        con.execute("""CREATE OR REPLACE TEMP TABLE grants_with_news AS
            SELECT grant_key FROM wh.fact_payment WHERE etl_run_id = getvariable('run_id') AND grant_key IS NOT NULL
            UNION SELECT grant_key FROM wh.fact_grant_version WHERE etl_run_id = getvariable('run_id')""")
        con.execute("DELETE FROM wh.fact_grant_flag WHERE flag_code <> 'DOUBLE_PAYMENT' "
                    "OR grant_key IN (SELECT grant_key FROM grants_with_news)")
        paid_grants = "(SELECT * FROM wh.fact_payment SEMI JOIN grants_with_news USING (grant_key))"
    con.execute(f"""INSERT INTO wh.fact_grant_flag
        SELECT grant_key, 'MISSING_TARGET_GROUP', NULL, NULL FROM wh.fact_grant WHERE target_group IS NULL
        UNION ALL
        SELECT grant_key, 'MISSING_PLACEMENT_TYPE', NULL, NULL FROM wh.fact_grant
        WHERE measure_group = 'placement' AND placement_type_code IS NULL
        UNION ALL
        SELECT grant_key, 'MISSING_PROVIDER', NULL, NULL FROM wh.fact_grant WHERE provider_key IS NULL
        UNION ALL
        SELECT grant_key, 'LATE_REGISTRATION', 'registreret ' || datediff('day', start_date, registered_date)
               || ' dage efter start', NULL
        FROM wh.fact_grant WHERE registered_date > start_date + {LATE_DAYS}""")
    # An open grant whose payments stopped months ago: probably ended without the end date registered.
    con.execute(f"""INSERT INTO wh.fact_grant_flag
        SELECT g.grant_key, 'MISSING_END_DATE', 'sidste betaling ' || strftime(max(p.period_month), '%m-%Y'), NULL
        FROM wh.fact_grant g JOIN wh.fact_payment p USING (grant_key)
        WHERE g.end_date IS NULL
        GROUP BY g.grant_key
        HAVING max(p.period_month) < date_trunc('month', {last_day}) - INTERVAL {MISSING_PAYMENTS_MONTHS} MONTH""")
    # A month paid more than once (net of reversals), told apart from catch-up postings by the month paid for.
    con.execute(f"""INSERT INTO wh.fact_grant_flag
        SELECT grant_key, 'DOUBLE_PAYMENT', 'betalt for ' || strftime(service_month, '%m-%Y') || ' mere end én gang',
               sum(amount) - max(amount)
        FROM {paid_grants} WHERE grant_key IS NOT NULL AND service_month IS NOT NULL
        GROUP BY grant_key, service_month
        HAVING count(*) FILTER (WHERE amount > 0) > 1 AND sum(amount) > max(amount) + 0.005""")
    # The paying municipality against where CPR says the citizen (a child: the mother, else the father) lives.
    con.execute(f"""INSERT INTO wh.fact_grant_flag
        WITH reference AS (
            SELECT g.grant_key, g.paying_municipality_code, g.area,
                   least(coalesce(g.end_date, {last_day}), {last_day}) AS day,
                   CASE WHEN g.area = 'children' THEN coalesce(
                       (SELECT min(parent_key) FROM wh.fact_relation r
                        WHERE r.child_key = g.citizen_key AND relation = 'MOR'),
                       (SELECT min(parent_key) FROM wh.fact_relation r
                        WHERE r.child_key = g.citizen_key AND relation = 'FAR'),
                       g.citizen_key) ELSE g.citizen_key END AS resident_key
            FROM wh.fact_grant g
        ), lived AS (
            SELECT f.grant_key, f.paying_municipality_code, r.municipality_code, r.moved_in
            FROM reference f JOIN wh.fact_residence r ON r.citizen_key = f.resident_key
             AND r.moved_in <= f.day AND (r.moved_out IS NULL OR r.moved_out >= f.day)
        )
        SELECT l.grant_key, 'PAYING_MUNICIPALITY_MISMATCH',
               'CPR-bopæl i kommune ' || l.municipality_code || ' fra ' || strftime(l.moved_in, '%d-%m-%Y'),
               (SELECT coalesce(sum(p.amount), 0) FROM wh.fact_payment p
                WHERE p.grant_key = l.grant_key AND p.posting_date >= l.moved_in)
        FROM lived l WHERE l.municipality_code <> l.paying_municipality_code""")


_PERSON_GROUP = ("month", "paying_municipality_code", "acting_municipality_code", "area", "measure_group",
                 "placement_type_code", "legal_basis_code", "target_group", "age", "sex")


def _aggregates(con: duckdb.DuckDBPyConnection, full: bool) -> None:
    """Every aggregate; see the module's docstring for what a nightly delta counts again."""
    for table in ("agg_spend_month", "agg_budget_month", "agg_effect_month",
                  "agg_staircase_month", "agg_placement_followup_month",
                  "agg_spend_placement_month", "agg_placement_duration_month", "agg_youth_support_month"):
        con.execute(f"DELETE FROM wh.{table}")
    _person_aggregate(con, full)
    _effects(con)
    _placement_followup(con)
    _placement_duration(con)
    _youth_support(con)
    derive_transitions.build(con)
    derive_more.aggregates(con)
    if full or _changed(con, "fact_population"):
        _population(con)
    con.execute("""INSERT INTO wh.agg_spend_placement_month
        SELECT p.period_month, p.municipality_code, p.function_code, f.area, g.placement_type_code, sum(p.amount)
        FROM wh.fact_payment p JOIN wh.fact_grant g ON g.grant_key = p.grant_key
        JOIN wh.dim_account_function f ON f.function_code = p.function_code
        SEMI JOIN wh.dim_month m ON m.month = p.period_month
        WHERE g.placement_type_code IS NOT NULL
        GROUP BY ALL""")
    con.execute("""INSERT INTO wh.agg_spend_month
        WITH monthly AS (
            SELECT period_month AS month, municipality_code, function_code, sum(amount) AS amount
            FROM wh.fact_payment GROUP BY ALL),
        grid AS (
            SELECT m.month, k.municipality_code, k.function_code
            FROM wh.dim_month m CROSS JOIN (SELECT DISTINCT municipality_code, function_code FROM monthly) k)
        SELECT g.month, g.municipality_code, g.function_code, f.area, coalesce(mo.amount, 0),
               sum(coalesce(mo.amount, 0)) OVER (PARTITION BY g.municipality_code, g.function_code, year(g.month)
                                                 ORDER BY g.month)
        FROM grid g LEFT JOIN monthly mo USING (month, municipality_code, function_code)
        JOIN wh.dim_account_function f USING (function_code)""")
    # Pro rata over the months of the year that the history covers, so a year that starts
    # mid-way compares its spend with the matching share of the budget.
    con.execute("""INSERT INTO wh.agg_budget_month
        SELECT m.month, b.municipality_code, b.function_code, f.area, b.corrected_budget,
               round(b.corrected_budget * row_number() OVER (
                   PARTITION BY b.municipality_code, b.function_code, b.year ORDER BY m.month) / 12, 2)
        FROM wh.dim_month m JOIN wh.fact_budget b ON b.year = m.year
        JOIN wh.dim_account_function f USING (function_code)""")
    _grant_counts(con, full)
    _forecast(con, full)  # from the spend and budget aggregates above


def _changed(con: duckdb.DuckDBPyConnection, versioned: str) -> bool:
    """Has this run given ``versioned`` a new version, or added a month?"""
    versions = f"SELECT 1 FROM wh.{versioned}_version WHERE etl_run_id = getvariable('run_id')"
    return _has_new_months(con) or con.execute(f"SELECT EXISTS ({versions})").fetchall()[0][0]


def _population(con: duckdb.DuckDBPyConnection) -> None:
    """Each month takes the newest quarter DST had counted by then (figures come quarterly, so most nights
    leave this aggregate as it was)."""
    con.execute("DELETE FROM wh.agg_population_month")
    con.execute("""INSERT INTO wh.agg_population_month
        WITH latest AS (
            SELECT m.month, q.municipality_code, max(q.quarter_start) AS quarter_start
            FROM wh.dim_month m JOIN (SELECT DISTINCT municipality_code, quarter_start FROM wh.fact_population) q
              ON q.quarter_start <= m.month
            GROUP BY ALL)
        SELECT l.month, p.municipality_code, p.age, p.sex, p.persons
        FROM latest l JOIN wh.fact_population p USING (municipality_code, quarter_start)
        ORDER BY l.month""")  # so that a query for a few months reads only their row groups


# A caseworker's counts: the unit in which agg_grants_month and agg_dq_month are counted again in a delta.
_CASEWORKER = ("acting_municipality_code", "caseworker_key")


def _grant_counts(con: duckdb.DuckDBPyConnection, full: bool) -> None:
    """Active, started and ended grants (agg_grants_month) and registration findings (agg_dq_month) per
    caseworker and month.

    A nightly delta counts again only the caseworkers with a changed grant (before or after the change) or a
    finding that came or went, in every month; everyone else only in months that are new. Their rows are the
    same as a full count's, since each grant counts only in its own caseworker's rows."""
    as_of = "getvariable('data_as_of')"
    if full:
        for table in ("agg_grants_month", "agg_dq_month"):
            con.execute(f"DELETE FROM wh.{table}")
        _count_grants(con, "wh.fact_grant", _flagged("wh.fact_grant"), "wh.dim_month", as_of)
        return
    con.execute("CREATE OR REPLACE TEMP TABLE changed_caseworkers AS "
                f"SELECT DISTINCT acting_municipality_code, caseworker_key FROM ({CHANGED_GRANT_VERSIONS})")
    con.execute("""CREATE OR REPLACE TEMP TABLE changed_finding_caseworkers AS
        WITH came_or_went AS (
            (SELECT grant_key, flag_code FROM flags_before EXCEPT SELECT grant_key, flag_code FROM wh.fact_grant_flag)
            UNION ALL
            (SELECT grant_key, flag_code FROM wh.fact_grant_flag EXCEPT SELECT grant_key, flag_code FROM flags_before))
        SELECT acting_municipality_code, caseworker_key FROM changed_caseworkers
        UNION SELECT acting_municipality_code, caseworker_key FROM wh.fact_grant
        WHERE grant_key IN (SELECT grant_key FROM came_or_went)""")
    same = " AND ".join(f"c.{k} IS NOT DISTINCT FROM g.{k}" for k in _CASEWORKER)
    for table in ("agg_grants_month", "agg_dq_month"):
        changed = "changed_caseworkers" if table == "agg_grants_month" else "changed_finding_caseworkers"
        con.execute(f"DELETE FROM wh.{table} g USING {changed} c WHERE {same}")
    _count_grants(con, _grants_in("changed_caseworkers", same),
                  _flagged(_grants_in("changed_finding_caseworkers", same)), "wh.dim_month", as_of)
    if _has_new_months(con):
        _count_grants(con, _grants_in("changed_caseworkers", same, inside=False),
                      _flagged(_grants_in("changed_finding_caseworkers", same, inside=False)), "new_months", as_of)
    for table in ("changed_caseworkers", "changed_finding_caseworkers", "flags_before"):
        con.execute(f"DROP TABLE {table}")


def _grants_in(partitions: str, match: str, inside: bool = True) -> str:
    """SQL for the current grants (``g``) that fall, or with ``inside`` False do not fall, in a row (``c``) of
    ``partitions``: the unit a delta counts again."""
    exists = f"EXISTS (SELECT 1 FROM {partitions} c WHERE {match})"
    return f"(SELECT * FROM wh.fact_grant g WHERE {exists if inside else 'NOT ' + exists})"


def _has_new_months(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT EXISTS (SELECT 1 FROM new_months)").fetchall()[0][0]


def _flagged(grants: str) -> str:
    """Only flagged grants can count in agg_dq_month: about a tenth of all grants in the national profile."""
    return f"(SELECT * FROM {grants} SEMI JOIN wh.fact_grant_flag USING (grant_key))"


def _count_grants(con: duckdb.DuckDBPyConnection, grants: str, flagged: str, months: str, as_of: str) -> None:
    """Count ``grants`` and ``flagged`` (the flagged among them) in ``months``."""
    first, last = f"(SELECT min(month) FROM {months})", f"(SELECT max(month) FROM {months})"
    in_months = f"month IN (SELECT month FROM {months})"
    con.execute(f"""INSERT INTO wh.agg_grants_month
        SELECT month, acting_municipality_code, source_system, caseworker_key, area, measure_group, count(*),
               count(*) FILTER (WHERE start_date >= month), count(*) FILTER (WHERE end_date <= last_day(month))
        FROM ({grant_months(grants, first, last, as_of)})
        WHERE days_active > 0 AND {in_months} GROUP BY ALL ORDER BY month""")  # few months: few row groups read
    con.execute(f"""CREATE OR REPLACE TEMP TABLE grant_months AS
        SELECT month, grant_key, acting_municipality_code, source_system, caseworker_key, area,
               start_date >= month AS started
        FROM ({grant_months(flagged, first, last, as_of)})
        WHERE days_active > 0 AND {in_months}""")
    # Late registrations count in the month the grant started; other findings in every month it was active.
    con.execute("""INSERT INTO wh.agg_dq_month
        SELECT gm.month, gm.acting_municipality_code, gm.source_system, gm.caseworker_key, gm.area, f.flag_code,
               count(DISTINCT gm.grant_key)
        FROM grant_months gm JOIN wh.fact_grant_flag f USING (grant_key)
        WHERE f.flag_code <> 'LATE_REGISTRATION' OR gm.started
        GROUP BY ALL ORDER BY gm.month""")
    con.execute(f"""INSERT INTO wh.agg_dq_month
        SELECT gm.month, gm.acting_municipality_code, gm.source_system, gm.caseworker_key, gm.area,
               'ANY_MISSING_FIELD', count(DISTINCT gm.grant_key)
        FROM grant_months gm SEMI JOIN wh.fact_grant_flag f
          ON f.grant_key = gm.grant_key AND f.flag_code IN ({", ".join(f"'{c}'" for c in MISSING_FIELD_FLAGS)})
        GROUP BY ALL ORDER BY gm.month""")
    con.execute("DROP TABLE grant_months")


def _effects(con: duckdb.DuckDBPyConnection) -> None:
    """Outcome progression per grant, and steps down the intervention staircase (F-KOM-EFFECT)."""
    horizons = ", ".join(f"({h})" for h in FOLLOW_UP_HORIZONS)
    con.execute(f"""INSERT INTO wh.agg_effect_month
        WITH scored AS (
            SELECT g.grant_key, g.start_date, a.instrument, a.assessment_date, a.score
            FROM wh.fact_grant g JOIN wh.fact_assessment a USING (grant_key)),
        baseline AS (
            SELECT grant_key, instrument, arg_min(score, assessment_date) AS score
            FROM scored
            WHERE assessment_date BETWEEN start_date - {BASELINE_DAYS_BEFORE} AND start_date + {BASELINE_DAYS_AFTER}
            GROUP BY ALL),
        follow_up AS (
            SELECT grant_key, instrument, horizon, CAST(date_trunc('month', due) AS DATE) AS month,
                   arg_min(score, (abs(datediff('day', due, assessment_date)), assessment_date)) AS score
            FROM (SELECT *, CAST(start_date + to_months(horizon) AS DATE) AS due
                  FROM scored CROSS JOIN (VALUES {horizons}) h(horizon))
            WHERE abs(datediff('day', due, assessment_date)) <= {FOLLOW_UP_TOLERANCE_DAYS}
            GROUP BY ALL)
        SELECT f.month, g.paying_municipality_code, g.acting_municipality_code, g.area, g.measure_group,
               g.placement_type_code, g.provider_key, g.target_group, f.instrument, f.horizon, count(*),
               -- Scores have one decimal: summed exactly, so that every run gives the same figures.
               CAST(sum(CAST(b.score AS DECIMAL(18, 3))) AS DOUBLE),
               CAST(sum(CAST(f.score - b.score AS DECIMAL(18, 3))) AS DOUBLE)
        FROM follow_up f JOIN baseline b USING (grant_key, instrument) JOIN wh.fact_grant g USING (grant_key)
        SEMI JOIN wh.dim_month m ON m.month = f.month
        GROUP BY ALL""")
    step = "coalesce(pt.staircase_step, mg.staircase_step)"
    # A citizen's step is looked up only in the months where one of their grants turns a year old: the
    # person-months of those citizen-months, not all of them, are grouped.
    con.execute(f"""INSERT INTO wh.agg_staircase_month
        WITH started AS (
            SELECT g.citizen_key, g.paying_municipality_code, g.acting_municipality_code, g.area, g.measure_group,
                   g.placement_type_code, g.target_group, {step} AS step,
                   CAST(date_trunc('month', g.start_date) + to_months({STAIRCASE_MONTHS}) AS DATE) AS month
            FROM wh.fact_grant g JOIN wh.dim_measure_group mg USING (measure_group)
            LEFT JOIN wh.dim_placement_type pt USING (placement_type_code)
            WHERE {step} IS NOT NULL AND date_trunc('month', g.start_date) >= (SELECT min(month) FROM wh.dim_month)
              AND CAST(date_trunc('month', g.start_date) + to_months({STAIRCASE_MONTHS}) AS DATE)
                  IN (SELECT month FROM wh.dim_month)),
        citizen_step AS (
            SELECT pm.citizen_key, pm.month, max({step}) AS step
            FROM wh.fact_person_month pm JOIN wh.dim_measure_group mg USING (measure_group)
            LEFT JOIN wh.dim_placement_type pt USING (placement_type_code)
            SEMI JOIN (SELECT DISTINCT citizen_key, month FROM started) s
              ON s.citizen_key = pm.citizen_key AND s.month = pm.month
            WHERE {step} IS NOT NULL GROUP BY ALL)
        SELECT s.month, s.paying_municipality_code, s.acting_municipality_code, s.area, s.measure_group,
               s.placement_type_code, s.target_group, count(DISTINCT s.citizen_key),
               count(DISTINCT s.citizen_key) FILTER (WHERE later.step < s.step)
        FROM started s
        LEFT JOIN citizen_step later ON later.citizen_key = s.citizen_key AND later.month = s.month
        GROUP BY ALL""")


def _placement_followup(con: duckdb.DuckDBPyConnection) -> None:
    """Who was placed a year ago, and is no longer placed (K-UBU-NOTPLAC-1Y)."""
    con.execute(f"""INSERT INTO wh.agg_placement_followup_month
        WITH placed AS (SELECT * FROM wh.fact_person_month WHERE measure_group = 'placement')
        SELECT CAST(before.month + to_months({STAIRCASE_MONTHS}) AS DATE) AS later, before.paying_municipality_code,
               before.acting_municipality_code, before.placement_type_code, before.age, before.sex, count(*),
               count(*) FILTER (WHERE now.citizen_key IS NULL)
        FROM placed before
        SEMI JOIN wh.dim_month m ON m.month = CAST(before.month + to_months({STAIRCASE_MONTHS}) AS DATE)
        LEFT JOIN placed now ON now.citizen_key = before.citizen_key
                            AND now.month = CAST(before.month + to_months({STAIRCASE_MONTHS}) AS DATE)
        GROUP BY ALL""")


def _placement_duration(con: duckdb.DuckDBPyConnection) -> None:
    """How long the placed have been placed: whole calendar months from their grant's start month (K-UBU-DUR-KOMPF)."""
    con.execute("""INSERT INTO wh.agg_placement_duration_month
        SELECT pm.month, pm.paying_municipality_code, pm.acting_municipality_code, pm.placement_type_code, pm.age,
               pm.sex, count(*),
               sum(12 * (year(pm.month) - year(g.start_date)) + month(pm.month) - month(g.start_date))
        FROM wh.fact_person_month pm JOIN wh.fact_grant g USING (grant_key)
        WHERE pm.measure_group = 'placement'
        GROUP BY ALL""")


def _youth_support(con: duckdb.DuckDBPyConnection) -> None:
    """18-22-year-olds placed before 18, and who of them has youth support in the month (K-UBU-YOUTH-SUPPORT)."""
    con.execute(f"""INSERT INTO wh.agg_youth_support_month
        WITH formerly_placed AS (
            SELECT citizen_key, max(month) AS last_placed,
                   arg_max(paying_municipality_code, month) AS paying,
                   arg_max(acting_municipality_code, month) AS acting
            FROM wh.fact_person_month WHERE measure_group = 'placement' AND age < {ADULT_AGE}
            GROUP BY citizen_key),
        supported AS (
            SELECT DISTINCT citizen_key, month FROM wh.fact_person_month
            WHERE measure_group = 'youth_support' OR (measure_group = 'placement' AND age >= {ADULT_AGE}))
        SELECT m.month, f.paying, f.acting, age_on(c.birth_date, last_day(m.month)) AS age, c.sex, count(*),
               count(s.citizen_key)
        FROM formerly_placed f JOIN wh.dim_citizen c USING (citizen_key)
        JOIN wh.dim_month m ON m.month > f.last_placed
         AND age_on(c.birth_date, last_day(m.month)) BETWEEN {ADULT_AGE} AND {YOUTH_SUPPORT_LAST_AGE}
        LEFT JOIN supported s ON s.citizen_key = f.citizen_key AND s.month = m.month
        GROUP BY ALL""")


def _forecast(con: duckdb.DuckDBPyConnection, full: bool) -> None:
    """Spend so far plus what active grants commit for the rest of the year, against the budget (K-ECO-*).

    What grants commit is the costly part (every month against every grant). A nightly delta works it out
    again only for the budget lines (paying municipality and function) with a changed grant, before or after
    the change, and for new months; every other line keeps what it had. A cell with nothing committed, spent
    or budgeted is left out, so that a line's kept cells are exactly the ones it would get anew."""
    if full:
        con.execute(f"CREATE OR REPLACE TEMP TABLE committed AS {_committed('wh.fact_grant', 'wh.dim_month')}")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE changed_lines AS SELECT DISTINCT paying_municipality_code "
                    f"AS municipality_code, function_code FROM ({CHANGED_GRANT_VERSIONS})")
        on_line = "c.municipality_code = g.paying_municipality_code AND c.function_code = g.function_code"
        con.execute(f"""CREATE OR REPLACE TEMP TABLE committed AS
            SELECT f.month, f.municipality_code, f.function_code, f.committed_rest_of_year AS amount
            FROM wh.agg_forecast_month f ANTI JOIN changed_lines c USING (municipality_code, function_code)
            WHERE f.committed_rest_of_year <> 0
            UNION ALL {_committed(_grants_in("changed_lines", on_line), "wh.dim_month")}""")
        if _has_new_months(con):
            con.execute("INSERT INTO committed "
                        + _committed(_grants_in("changed_lines", on_line, inside=False), "new_months"))
        con.execute("DROP TABLE changed_lines")
    con.execute("DELETE FROM wh.agg_forecast_month")
    con.execute("""INSERT INTO wh.agg_forecast_month
        WITH cells AS (
            SELECT month, municipality_code, function_code FROM wh.agg_spend_month
            UNION SELECT month, municipality_code, function_code FROM wh.agg_budget_month
            UNION SELECT month, municipality_code, function_code FROM committed)
        SELECT c.month, c.municipality_code, c.function_code, f.area, coalesce(k.amount, 0),
               coalesce(s.amount_ytd, 0) + coalesce(k.amount, 0),
               coalesce(s.amount_ytd, 0) + coalesce(k.amount, 0) - coalesce(b.budget_full_year, 0)
        FROM cells c JOIN wh.dim_account_function f USING (function_code)
        LEFT JOIN committed k USING (month, municipality_code, function_code)
        LEFT JOIN wh.agg_spend_month s USING (month, municipality_code, function_code)
        LEFT JOIN wh.agg_budget_month b USING (month, municipality_code, function_code)""")
    con.execute("DROP TABLE committed")


def _committed(grants: str, months: str) -> str:
    """SQL for what ``grants`` commit at the end of each of ``months``, per paying municipality and function:
    the caseworker's disposition (data_access/caseload.py), the monthly cost for each day from the day after
    the month to 31 December or the grant's end, rounded per grant as the caseworker sees it so that the cell
    is their sum. Cells that commit nothing are left out.

    A grant commits at the end of the months from its start month to the month before its end month (it must
    run past the month's last day); each grant is expanded over those months alone."""
    year_end = "make_date(year(month), 12, 31)"
    return f"""
        SELECT month, municipality_code, function_code,
               CAST(sum(round(monthly_cost * datediff('day', last_day(month),
                   least(coalesce(end_date, {year_end}), {year_end})) / {DAYS_PER_MONTH}, 2)) AS DECIMAL(18, 2))
                   AS amount
        FROM (SELECT paying_municipality_code AS municipality_code, function_code, monthly_cost, end_date,
                     CAST(unnest(generate_series(
                         greatest(date_trunc('month', start_date), (SELECT min(month) FROM {months})),
                         least(coalesce(date_trunc('month', end_date) - INTERVAL 1 MONTH, DATE '9999-12-01'),
                               (SELECT max(month) FROM {months})),
                         INTERVAL 1 MONTH)) AS DATE) AS month
              FROM {grants})
        WHERE month IN (SELECT month FROM {months})
        GROUP BY ALL HAVING amount <> 0"""


def _person_aggregate(con: duckdb.DuckDBPyConnection, full: bool) -> None:
    group = ", ".join(_PERSON_GROUP)
    if full:
        con.execute("DELETE FROM wh.agg_persons_month")
        # In month order: the largest aggregate, and a query for a few months (a decomposition, a trace, a page's
        # latest month) then reads only their row groups. A delta's rows land at the end, a small part.
        con.execute(f"INSERT INTO wh.agg_persons_month SELECT {group}, count(*), sum(days_active) "
                    "FROM wh.fact_person_month GROUP BY ALL ORDER BY month")
        return
    # Rows added this run (changed citizens in every month, everyone in new months) minus rows removed.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE persons_change AS
        SELECT {group}, sum(persons) AS persons, sum(person_days) AS person_days FROM (
            SELECT {group}, count(*) AS persons, sum(days_active) AS person_days FROM wh.fact_person_month
            WHERE citizen_key IN (SELECT citizen_key FROM affected) OR month IN (SELECT month FROM new_months)
            GROUP BY ALL
            UNION ALL
            SELECT {group}, -count(*), -sum(days_active) FROM person_months_removed GROUP BY ALL)
        GROUP BY ALL HAVING sum(persons) <> 0 OR sum(person_days) <> 0""")
    matches = " AND ".join(f"a.{c} IS NOT DISTINCT FROM c.{c}" for c in _PERSON_GROUP)
    con.execute(f"""MERGE INTO wh.agg_persons_month a USING persons_change c ON {matches}
        WHEN MATCHED AND a.persons + c.persons = 0 THEN DELETE
        WHEN MATCHED THEN UPDATE SET persons = a.persons + c.persons, person_days = a.person_days + c.person_days
        WHEN NOT MATCHED THEN INSERT VALUES ({", ".join("c." + c for c in _PERSON_GROUP)}, c.persons,
                                             c.person_days)""")
    con.execute("DROP TABLE persons_change")
    con.execute("DROP TABLE person_months_removed")
