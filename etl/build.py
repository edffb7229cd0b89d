"""Build the star schema in the attached warehouse (``wh``) from the common staging tables.

Conforming never drops a row: every staged grant, payment, budget line and population
count becomes exactly one fact row (``check_reconciled`` proves it before publishing).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import duckdb
import pyarrow as pa

from data_access.settings import CONFIG_DIR

DAYS_PER_MONTH = 30.44  # converts a daily rate to a monthly cost for commitments


def load_reference(con: duckdb.DuckDBPyConnection) -> None:
    """Reference dimensions and source code aliases, from the project's catalogues in config/."""
    def csv_path(name: str) -> str:
        return str(CONFIG_DIR / name).replace("'", "''")

    con.execute(f"""INSERT INTO wh.dim_municipality SELECT municipality_code, name, region_code, region_name,
        latitude, longitude, population_thousands FROM read_csv('{csv_path("municipalities.csv")}', header = true)""")
    con.execute(f"""INSERT INTO wh.dim_legal_basis SELECT legal_basis_code, law, CAST(paragraph AS VARCHAR),
        CAST(subsection AS VARCHAR), CAST(item AS VARCHAR), text, area, measure_group, valid_from, valid_to,
        successor_code FROM read_csv('{csv_path("legal_bases.csv")}', header = true, all_varchar = true)""")
    con.execute(f"""INSERT INTO wh.dim_placement_type SELECT placement_type_code, name, category,
        CAST(historic AS BOOLEAN)
        FROM read_csv('{csv_path("placement_types.csv")}', header = true, all_varchar = true)""")
    con.execute(f"""INSERT INTO wh.dim_account_function SELECT function_code, name, area
        FROM read_csv('{csv_path("account_functions.csv")}', header = true, all_varchar = true)""")
    con.execute(f"""INSERT INTO wh.dim_measure_group SELECT measure_group, name, area
        FROM read_csv('{csv_path("measure_groups.csv")}', header = true, all_varchar = true)""")
    con.execute(f"""CREATE TABLE ref_alias AS SELECT source_system, kind, source_value, code
        FROM read_csv('{csv_path("source_code_aliases.csv")}', header = true, all_varchar = true)""")
    duplicated = con.execute("""SELECT source_system, kind, source_value FROM ref_alias
        GROUP BY ALL HAVING count(*) > 1""").fetchall()
    if duplicated:
        raise ValueError(f"config/source_code_aliases.csv: samme kildeværdi står flere gange: {duplicated}")


def pseudonymise(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """map_citizen(cpr, citizen_key): a keyed HMAC, so that keys cannot be recomputed without the secret."""
    numbers = [row[0] for row in con.execute("""
        SELECT cpr FROM stg_person UNION SELECT cpr FROM stg_grant
        UNION SELECT cpr FROM stg_payment WHERE cpr IS NOT NULL ORDER BY 1""").fetchall()]
    secret = key.encode("utf-8")
    keys = [hmac.new(secret, number.encode("ascii"), hashlib.sha256).hexdigest()[:32] for number in numbers]
    con.register("citizen_keys", pa.table({"cpr": numbers, "citizen_key": keys}))
    con.execute("CREATE TABLE map_citizen AS SELECT * FROM citizen_keys")
    con.unregister("citizen_keys")


def build_star(con: duckdb.DuckDBPyConnection, data_as_of: date) -> None:
    as_of = f"DATE '{data_as_of.isoformat()}'"
    con.execute("CREATE MACRO age_on(born, day) AS year(day) - year(born) - "
                "CASE WHEN month(day) * 100 + day(day) < month(born) * 100 + day(born) THEN 1 ELSE 0 END")

    # Months: from the first month of payment history to the last complete month before the extraction.
    first_month = con.execute("""SELECT coalesce(
        (SELECT date_trunc('month', min(posting_date)) FROM stg_payment),
        (SELECT min(quarter_start) FROM stg_population))""").fetchone()[0]
    if first_month is None:
        raise ValueError("leverancen har hverken posteringer eller befolkningstal, så der er ingen måneder at vise")
    con.execute(f"""INSERT INTO wh.dim_month
        SELECT m, year(m), quarter(m), month(m), day(last_day(m))
        FROM (SELECT CAST(unnest(generate_series(DATE '{first_month:%Y-%m-%d}',
                                                  {as_of} - INTERVAL 1 MONTH, INTERVAL 1 MONTH)) AS DATE) AS m)""")

    con.execute("""INSERT INTO wh.citizen_identity SELECT citizen_key, cpr FROM map_citizen""")
    con.execute("""INSERT INTO wh.dim_citizen
        SELECT k.citizen_key,
               coalesce(p.first_name || ' ' || p.last_name, '(ikke i CPR-udtrækket)'),
               substr(k.cpr, 1, 6) || '-xxxx',
               coalesce(p.birth_date, cpr_birth_date(k.cpr)),
               coalesce(p.sex, CASE WHEN CAST(right(k.cpr, 1) AS INTEGER) % 2 = 1 THEN 'M' ELSE 'K' END),
               p.residence_municipality_code
        FROM map_citizen k LEFT JOIN stg_person p USING (cpr)""")

    con.execute("""INSERT INTO wh.dim_caseworker
        SELECT acting_municipality_code || ':' || caseworker_id, acting_municipality_code,
               arg_max(source_system, grant_date), caseworker_id,
               arg_max(caseworker_name, grant_date), arg_max(unit, grant_date)
        FROM stg_grant GROUP BY acting_municipality_code, caseworker_id""")
    con.execute("""CREATE TABLE provider_keys AS
        SELECT DISTINCT source_system, source_file, source_line,
               CASE WHEN provider_cvr IS NOT NULL THEN 'CVR:' || provider_cvr
                    WHEN provider_name IS NOT NULL THEN 'NAVN:' || acting_municipality_code || ':' || provider_name
               END AS provider_key, provider_cvr, provider_name
        FROM stg_grant""")
    con.execute("""INSERT INTO wh.dim_provider
        SELECT provider_key, any_value(provider_cvr), min(provider_name)
        FROM provider_keys WHERE provider_key IS NOT NULL GROUP BY provider_key""")

    con.execute(f"""INSERT INTO wh.fact_grant
        SELECT g.source_system || ':' || g.acting_municipality_code || ':' || g.source_grant_id,
               g.source_system, g.source_grant_id, g.case_id, k.citizen_key,
               g.acting_municipality_code || ':' || g.caseworker_id,
               g.acting_municipality_code, g.paying_municipality_code, lb.area, lb.measure_group,
               g.legal_basis_code, g.legal_basis_as_registered, g.measure_text, g.placement_type_code,
               g.target_group, pk.provider_key, g.grant_date, g.start_date, g.end_date, g.registered_date,
               g.rate, g.rate_unit, g.fee_count,
               CASE g.rate_unit WHEN 'day' THEN round(g.rate * {DAYS_PER_MONTH}, 2) ELSE g.rate END,
               account_function(g.account), g.source_file, g.source_line, getvariable('run_id')
        FROM stg_grant g
        JOIN map_citizen k USING (cpr)
        JOIN wh.dim_legal_basis lb USING (legal_basis_code)
        JOIN provider_keys pk USING (source_system, source_file, source_line)""")

    con.execute("""INSERT INTO wh.fact_payment
        SELECT p.municipality_code, k.citizen_key, g.grant_key, p.account, account_function(p.account),
               p.posting_date, date_trunc('month', p.posting_date), p.amount, p.text,
               p.source_file, p.source_line, getvariable('run_id')
        FROM stg_payment p
        LEFT JOIN map_citizen k USING (cpr)
        LEFT JOIN wh.fact_grant g ON g.source_system = p.source_system
             AND g.acting_municipality_code = p.municipality_code AND g.source_grant_id = p.reference""")
    con.execute("""INSERT INTO wh.fact_budget SELECT municipality_code, year, function_code, original_budget,
        corrected_budget, source_file, source_line, getvariable('run_id') FROM stg_budget""")
    con.execute("""INSERT INTO wh.fact_population SELECT municipality_code, quarter_start, age, sex, persons,
        source_file, source_line, getvariable('run_id') FROM stg_population""")

    _person_months(con, as_of)
    _aggregates(con)


def _person_months(con: duckdb.DuckDBPyConnection, as_of: str) -> None:
    """One row per citizen, month and measure group; the grant active most days that month lends its attributes."""
    con.execute(f"""INSERT INTO wh.fact_person_month
        WITH active AS (
            SELECT g.*, m.month,
                   datediff('day', greatest(g.start_date, m.month),
                            least(coalesce(g.end_date, {as_of} - 1), last_day(m.month))) + 1 AS days_active
            FROM wh.fact_grant g JOIN wh.dim_month m
              ON g.start_date <= last_day(m.month) AND coalesce(g.end_date, DATE '9999-12-31') >= m.month
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY citizen_key, month, measure_group
                                         ORDER BY days_active DESC, start_date DESC, grant_key) AS rank
            FROM active WHERE days_active > 0
        )
        SELECT r.citizen_key, r.month, r.area, r.measure_group, r.grant_key, r.paying_municipality_code,
               r.acting_municipality_code, r.placement_type_code, r.legal_basis_code, r.caseworker_key,
               r.provider_key, age_on(c.birth_date, last_day(r.month)), c.sex, r.days_active
        FROM ranked r JOIN wh.dim_citizen c USING (citizen_key)
        WHERE r.rank = 1""")


def _aggregates(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""INSERT INTO wh.agg_persons_month
        SELECT month, paying_municipality_code, acting_municipality_code, area, measure_group,
               placement_type_code, legal_basis_code, age, sex, count(*), sum(days_active)
        FROM wh.fact_person_month GROUP BY ALL""")

    # Each month takes the newest quarter DST had counted by then (figures come quarterly).
    con.execute("""INSERT INTO wh.agg_population_month
        WITH latest AS (
            SELECT m.month, q.municipality_code, max(q.quarter_start) AS quarter_start
            FROM wh.dim_month m JOIN (SELECT DISTINCT municipality_code, quarter_start FROM wh.fact_population) q
              ON q.quarter_start <= m.month
            GROUP BY ALL)
        SELECT l.month, p.municipality_code, p.age, p.sex, p.persons
        FROM latest l JOIN wh.fact_population p USING (municipality_code, quarter_start)""")

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


def check_reconciled(con: duckdb.DuckDBPyConnection) -> None:
    """Every staged row became exactly one fact row; anything else is a bug, and the run must fail."""
    pairs = (("stg_grant", "wh.fact_grant"), ("stg_payment", "wh.fact_payment"),
             ("stg_budget", "wh.fact_budget"), ("stg_population", "wh.fact_population"))
    for staged, fact in pairs:
        counts = con.execute(f"SELECT (SELECT count(*) FROM {staged}), (SELECT count(*) FROM {fact})").fetchone()
        if counts[0] != counts[1]:
            raise AssertionError(f"afstemning fejlede: {staged} har {counts[0]} rækker, {fact} har {counts[1]}")
