"""Bring staged deliveries into the warehouse: reference data, pseudonyms, then each source's facts.

Applying never drops a row: every staged grant, posting, budget line, person, address, relation,
population count and assessment reaches its table (``apply`` checks the counts as it goes).
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa

from data_access.settings import CONFIG_DIR

from .apply import append, apply_versioned

DAYS_PER_MONTH = 30.44  # converts a daily rate to a monthly cost for commitments


def _config_csv(name: str) -> str:
    return str(CONFIG_DIR / name).replace("'", "''")


def municipality_codes(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The official municipality codes, as load_reference puts them in dim_municipality."""
    return {code for (code,) in con.execute(
        f"SELECT municipality_code FROM read_csv('{_config_csv('municipalities.csv')}', header = true)").fetchall()}


def load_reference(con: duckdb.DuckDBPyConnection) -> None:
    """Reference dimensions and source code aliases from the project's catalogues, replaced on every run."""
    def replace(table: str, select: str) -> None:
        con.execute(f"DELETE FROM wh.{table}")
        con.execute(f"INSERT INTO wh.{table} {select}")

    replace("dim_municipality", f"""SELECT municipality_code, name, region_code, region_name, latitude, longitude,
        population_thousands FROM read_csv('{_config_csv("municipalities.csv")}', header = true)""")
    replace("dim_legal_basis", f"""SELECT legal_basis_code, law, CAST(paragraph AS VARCHAR),
        CAST(subsection AS VARCHAR), CAST(item AS VARCHAR), text, area, measure_group, valid_from, valid_to,
        successor_code FROM read_csv('{_config_csv("legal_bases.csv")}', header = true, all_varchar = true)""")
    replace("dim_placement_type", f"""SELECT placement_type_code, name, category, CAST(historic AS BOOLEAN),
        CAST(NULLIF(staircase_step, '') AS SMALLINT)
        FROM read_csv('{_config_csv("placement_types.csv")}', header = true, all_varchar = true)""")
    replace("dim_end_reason", f"""SELECT end_reason_code, name, CAST(breakdown AS BOOLEAN)
        FROM read_csv('{_config_csv("end_reasons.csv")}', header = true, all_varchar = true)""")
    replace("dim_account_function", f"""SELECT function_code, name, area
        FROM read_csv('{_config_csv("account_functions.csv")}', header = true, all_varchar = true)""")
    replace("dim_measure_group", f"""SELECT measure_group, name, area, CAST(NULLIF(staircase_step, '') AS SMALLINT)
        FROM read_csv('{_config_csv("measure_groups.csv")}', header = true, all_varchar = true)""")
    con.execute(f"""CREATE OR REPLACE TABLE ref_alias AS SELECT source_system, kind, source_value, code
        FROM read_csv('{_config_csv("source_code_aliases.csv")}', header = true, all_varchar = true)""")
    duplicated = con.execute("""SELECT source_system, kind, source_value FROM ref_alias
        GROUP BY ALL HAVING count(*) > 1""").fetchall()
    if duplicated:
        raise ValueError(f"config/source_code_aliases.csv: samme kildeværdi står flere gange: {duplicated}")


_STAGED_CPR = """
    SELECT cpr FROM stg_person UNION SELECT cpr FROM stg_grant UNION SELECT cpr FROM stg_payment
    UNION SELECT cpr FROM stg_address UNION SELECT child_cpr FROM stg_relation UNION SELECT parent_cpr FROM stg_relation
    UNION SELECT cpr FROM stg_assessment UNION SELECT cpr FROM stg_notification"""


def pseudonymise(con: duckdb.DuckDBPyConnection, key: str) -> int:
    """Give every new CPR number a keyed-HMAC pseudonym; the mapping goes to the identity file only.

    Leaves ``map_citizen(cpr, citizen_key)`` for the numbers in this run's deliveries; returns how many were new.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE staged_cpr AS SELECT DISTINCT cpr FROM ({_STAGED_CPR}) "
                "WHERE cpr IS NOT NULL")
    numbers = [row[0] for row in con.execute(
        "SELECT cpr FROM staged_cpr ANTI JOIN idn.citizen_identity USING (cpr) ORDER BY cpr").fetchall()]
    keyed = hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)
    keys = [_pseudonym(keyed, number) for number in numbers]
    con.register("new_keys", pa.table({"cpr": pa.array(numbers, pa.string()),
                                       "citizen_key": pa.array(keys, pa.string())}))
    con.execute("INSERT INTO idn.citizen_identity SELECT citizen_key, cpr FROM new_keys")
    con.execute("""INSERT INTO wh.known_citizen SELECT citizen_key, substr(cpr, 1, 6) || '-xxxx', cpr_birth_date(cpr),
        CASE WHEN CAST(right(cpr, 1) AS INTEGER) % 2 = 1 THEN 'M' ELSE 'K' END FROM new_keys""")
    # Kept for the key check, which in a delta looks at the citizens this run added (etl/invariants.py).
    con.execute("CREATE OR REPLACE TEMP TABLE new_citizens AS SELECT citizen_key FROM new_keys")
    con.unregister("new_keys")
    con.execute("CREATE OR REPLACE TEMP TABLE map_citizen AS "
                "SELECT i.cpr, i.citizen_key FROM idn.citizen_identity i SEMI JOIN staged_cpr USING (cpr)")
    return len(numbers)


def _pseudonym(keyed: hmac.HMAC, number: str) -> str:
    """HMAC-SHA256 of the number, from a copy of the keyed state: the key is not hashed again for each of
    millions of numbers (a third faster than ``hmac.new`` each time, the same digest)."""
    mac = keyed.copy()
    mac.update(number.encode("ascii"))
    return mac.hexdigest()[:32]


def _staged(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def _checked(con: duckdb.DuckDBPyConnection, staged: str, loaded: int) -> None:
    expected = _staged(con, staged)
    if loaded != expected:
        raise AssertionError(f"afstemning fejlede: {staged} har {expected} rækker, men {loaded} blev indlæst")


def apply_deliveries(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Every staged source into its warehouse tables; returns the new versions or rows per table."""
    result = {}
    provider = """CASE WHEN g.provider_cvr IS NOT NULL THEN 'CVR:' || g.provider_cvr
                       WHEN g.provider_name IS NOT NULL
                       THEN 'NAVN:' || g.acting_municipality_code || ':' || g.provider_name END"""
    result["fact_grant"] = apply_versioned(con, "fact_grant", f"""
        SELECT g.source_system || ':' || g.acting_municipality_code || ':' || g.source_grant_id AS grant_key,
               g.source_system, g.source_grant_id, g.case_id, k.citizen_key,
               g.acting_municipality_code || ':' || g.caseworker_id AS caseworker_key, g.acting_municipality_code,
               g.paying_municipality_code, lb.area, lb.measure_group, g.legal_basis_code, g.legal_basis_as_registered,
               g.measure_text, g.placement_type_code, g.target_group, {provider} AS provider_key, g.grant_date,
               g.start_date, g.end_date, g.registered_date, g.rate, g.rate_unit, g.fee_count,
               CASE g.rate_unit WHEN 'day' THEN round(g.rate * {DAYS_PER_MONTH}, 2) ELSE g.rate END AS monthly_cost,
               account_function(g.account) AS function_code, g.end_reason_code, g.adult_need_assessed,
               g.source_file, g.source_line,
               getvariable('run_id') AS etl_run_id, g.extract_date AS valid_from
        FROM stg_grant g JOIN map_citizen k USING (cpr) JOIN wh.dim_legal_basis lb USING (legal_basis_code)""")
    _checked(con, "stg_grant", _staged(con, "incoming"))
    con.execute(f"""INSERT OR REPLACE INTO wh.dim_provider
        SELECT provider_key, arg_max(provider_cvr, extract_date), arg_max(provider_name, extract_date)
        FROM (SELECT {provider} AS provider_key, g.* FROM stg_grant g) WHERE provider_key IS NOT NULL
        GROUP BY provider_key""")
    con.execute("""INSERT OR REPLACE INTO wh.dim_caseworker
        SELECT acting_municipality_code || ':' || caseworker_id, acting_municipality_code,
               arg_max(source_system, extract_date), caseworker_id, arg_max(caseworker_name, extract_date),
               arg_max(unit, extract_date)
        FROM stg_grant GROUP BY acting_municipality_code, caseworker_id""")

    result["fact_payment"] = append(con, "fact_payment", """
        SELECT p.municipality_code, p.voucher, k.citizen_key, p.source_system, p.reference, g.grant_key,
               p.account AS account_string, account_function(p.account) AS function_code, p.posting_date,
               date_trunc('month', p.posting_date) AS period_month,
               CAST(try_strptime('01-' || right(p.text, 7), '%d-%m-%Y') AS DATE) AS service_month,
               p.amount, p.text, p.source_file, p.source_line,
               getvariable('run_id') AS etl_run_id, p.art
        FROM stg_payment p LEFT JOIN map_citizen k USING (cpr)
        LEFT JOIN wh.fact_grant g ON g.source_system = p.source_system
             AND g.acting_municipality_code = p.municipality_code AND g.source_grant_id = p.reference""")
    _checked(con, "stg_payment", result["fact_payment"])

    for table, select in (
        ("fact_budget", """SELECT municipality_code, year, function_code, original_budget, corrected_budget,
                 source_file, source_line, getvariable('run_id') AS etl_run_id, extract_date AS valid_from
                 FROM stg_budget"""),
        ("fact_population", """SELECT municipality_code, quarter_start, age, sex, persons, source_file, source_line,
                 getvariable('run_id') AS etl_run_id, extract_date AS valid_from FROM stg_population"""),
        ("person_cpr", """SELECT k.citizen_key, first_name, last_name, sex, birth_date, residence_municipality_code,
                 moved_in, source_file, source_line, getvariable('run_id') AS etl_run_id, extract_date AS valid_from
                 FROM stg_person JOIN map_citizen k USING (cpr)"""),
        ("fact_residence", """SELECT k.citizen_key, moved_in, municipality_code, moved_out, source_file,
                 source_line, getvariable('run_id') AS etl_run_id, extract_date AS valid_from
                 FROM stg_address JOIN map_citizen k USING (cpr)"""),
        ("fact_relation", """SELECT c.citizen_key AS child_key, p.citizen_key AS parent_key, relation, source_file,
                 source_line, getvariable('run_id') AS etl_run_id, extract_date AS valid_from FROM stg_relation r
                 JOIN map_citizen c ON c.cpr = r.child_cpr JOIN map_citizen p ON p.cpr = r.parent_cpr"""),
    ):
        result[table] = apply_versioned(con, table, select)
        _checked(con, _STAGE_OF[table], _staged(con, "incoming"))

    result["fact_assessment"] = append(con, "fact_assessment", """
        SELECT a.municipality_code, k.citizen_key, a.assessment_date, a.instrument, a.score, a.source_system,
               a.reference, g.grant_key, a.source_file, a.source_line, getvariable('run_id') AS etl_run_id
        FROM stg_assessment a JOIN map_citizen k USING (cpr)
        LEFT JOIN wh.fact_grant g ON g.source_system = a.source_system
             AND g.acting_municipality_code = a.municipality_code AND g.source_grant_id = a.reference""")
    _checked(con, "stg_assessment", result["fact_assessment"])
    result["fact_notification"] = apply_versioned(con, "fact_notification", """
        SELECT n.source_system || ':' || n.municipality_code || ':' || n.source_notification_id AS notification_key,
               n.source_system, n.source_notification_id, n.municipality_code, k.citizen_key, n.received_date,
               n.notifier_code, n.urgent, n.assessed_date, n.source_file, n.source_line,
               getvariable('run_id') AS etl_run_id, n.extract_date AS valid_from
        FROM stg_notification n JOIN map_citizen k USING (cpr)""")
    _checked(con, "stg_notification", _staged(con, "incoming"))
    return result


_STAGE_OF = {"fact_budget": "stg_budget", "fact_population": "stg_population", "person_cpr": "stg_person",
             "fact_residence": "stg_address", "fact_relation": "stg_relation"}
