"""What several sources share: the common staging tables and row rules."""

from etl.contracts import RowRule

# The common model every source conforms into, before the star schema is built from it.
STAGING_DDL = (
    """CREATE TABLE stg_grant (
        source_system VARCHAR, source_file VARCHAR, source_line INTEGER, source_grant_id VARCHAR,
        case_id VARCHAR, cpr VARCHAR, acting_municipality_code SMALLINT, paying_municipality_code SMALLINT,
        legal_basis_code VARCHAR, legal_basis_as_registered VARCHAR, measure_text VARCHAR,
        placement_type_code VARCHAR, target_group VARCHAR, provider_cvr VARCHAR, provider_name VARCHAR,
        grant_date DATE, start_date DATE, end_date DATE, registered_date DATE, rate DECIMAL(18,2),
        rate_unit VARCHAR, fee_count DECIMAL(18,2), account VARCHAR, caseworker_id VARCHAR,
        caseworker_name VARCHAR, unit VARCHAR)""",
    """CREATE TABLE stg_payment (
        source_file VARCHAR, source_line INTEGER, municipality_code SMALLINT, voucher BIGINT, posting_date DATE,
        account VARCHAR, art VARCHAR, amount DECIMAL(18,2), cpr VARCHAR, source_system VARCHAR,
        reference VARCHAR, text VARCHAR)""",
    """CREATE TABLE stg_budget (
        source_file VARCHAR, source_line INTEGER, municipality_code SMALLINT, year SMALLINT,
        function_code VARCHAR, original_budget DECIMAL(18,2), corrected_budget DECIMAL(18,2))""",
    """CREATE TABLE stg_person (
        source_file VARCHAR, source_line INTEGER, cpr VARCHAR, first_name VARCHAR, last_name VARCHAR,
        sex VARCHAR, birth_date DATE, residence_municipality_code SMALLINT, moved_in DATE)""",
    """CREATE TABLE stg_population (
        source_file VARCHAR, source_line INTEGER, municipality_code SMALLINT, quarter_start DATE,
        age SMALLINT, sex VARCHAR, persons INTEGER)""",
)

END_BEFORE_START = RowRule("Slutdato", "CAST(end_date AS VARCHAR)", "end_date < start_date",
                           "slutdato ligger før startdato")
MUNICIPALITY_MATCHES_FILE = RowRule(
    "Kommunenr", "CAST(acting_municipality_code AS VARCHAR)",
    "acting_municipality_code <> file_municipality_code", "kommunen passer ikke med kommunen i filnavnet")
