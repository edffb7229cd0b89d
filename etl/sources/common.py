"""What several sources share: the common staging tables and row rules."""

from etl.contracts import RowRule

_LINEAGE = "source_file VARCHAR, source_line INTEGER, extract_date DATE"

# The common model every source conforms into, before it is applied to the warehouse. The tables
# stay empty: each stg_* view is one of them (for its columns and types) plus its sources' conform
# SELECTs over their typed tables, so that large deliveries are not copied once more.
STAGING_DDL = (
    f"""CREATE TABLE stg_template_grant ({_LINEAGE},
        source_system VARCHAR, source_grant_id VARCHAR, case_id VARCHAR, cpr VARCHAR,
        acting_municipality_code SMALLINT, paying_municipality_code SMALLINT, legal_basis_code VARCHAR,
        legal_basis_as_registered VARCHAR, measure_text VARCHAR, placement_type_code VARCHAR, target_group VARCHAR,
        provider_cvr VARCHAR, provider_name VARCHAR, grant_date DATE, start_date DATE, end_date DATE,
        registered_date DATE, rate DECIMAL(18,2), rate_unit VARCHAR, fee_count DECIMAL(18,2), account VARCHAR,
        caseworker_id VARCHAR, caseworker_name VARCHAR, unit VARCHAR, end_reason_code VARCHAR,
        adult_need_assessed BOOLEAN)""",
    f"""CREATE TABLE stg_template_payment ({_LINEAGE},
        municipality_code SMALLINT, voucher BIGINT, posting_date DATE, account VARCHAR, art VARCHAR,
        amount DECIMAL(18,2), cpr VARCHAR, source_system VARCHAR, reference VARCHAR, text VARCHAR)""",
    f"""CREATE TABLE stg_template_budget ({_LINEAGE},
        municipality_code SMALLINT, year SMALLINT, function_code VARCHAR, original_budget DECIMAL(18,2),
        corrected_budget DECIMAL(18,2))""",
    f"""CREATE TABLE stg_template_person ({_LINEAGE},
        cpr VARCHAR, first_name VARCHAR, last_name VARCHAR, sex VARCHAR, birth_date DATE,
        residence_municipality_code SMALLINT, moved_in DATE)""",
    f"""CREATE TABLE stg_template_address ({_LINEAGE},
        cpr VARCHAR, municipality_code SMALLINT, moved_in DATE, moved_out DATE)""",
    f"""CREATE TABLE stg_template_relation ({_LINEAGE},
        child_cpr VARCHAR, parent_cpr VARCHAR, relation VARCHAR)""",
    f"""CREATE TABLE stg_template_population ({_LINEAGE},
        municipality_code SMALLINT, quarter_start DATE, age SMALLINT, sex VARCHAR, persons INTEGER)""",
    f"""CREATE TABLE stg_template_assessment ({_LINEAGE},
        municipality_code SMALLINT, cpr VARCHAR, assessment_date DATE, instrument VARCHAR, score DOUBLE,
        source_system VARCHAR, reference VARCHAR)""",
    f"""CREATE TABLE stg_template_notification ({_LINEAGE},
        source_system VARCHAR, municipality_code SMALLINT, source_notification_id VARCHAR, cpr VARCHAR,
        received_date DATE, notifier_code VARCHAR, urgent BOOLEAN, assessed_date DATE)""",
)

# Postings, from whichever finance system: a voucher is booked once per municipality, so a voucher
# number already loaded is a duplicate, and a posting may name the grant it pays.
POSTINGS_APPEND = {
    "key": ("file_municipality_code", "voucher"),
    "semantics": "append",
    "loaded_keys": "SELECT municipality_code AS file_municipality_code, voucher, source_file, source_line "
                   "FROM wh.fact_payment",
    "names_grant": True,
}

END_BEFORE_START = RowRule("Slutdato", "CAST(end_date AS VARCHAR)", "end_date < start_date",
                           "slutdato ligger før startdato")
MUNICIPALITY_MATCHES_FILE = RowRule(
    "Kommunenr", "CAST(acting_municipality_code AS VARCHAR)",
    "acting_municipality_code <> file_municipality_code", "kommunen passer ikke med kommunen i filnavnet")
NEGATIVE_RATE = RowRule("Takst", "CAST(rate AS VARCHAR)", "rate < 0", "negativ takst")
LEGAL_BASIS_PARTS = "concat_ws('-', law, paragraph, subsection, item)"
# NOT IN, not a correlated EXISTS: the dimension has columns named law, paragraph, ... too.
UNKNOWN_LEGAL_BASIS = RowRule(
    "lovgrundlag", LEGAL_BASIS_PARTS,
    f"{LEGAL_BASIS_PARTS} NOT IN (SELECT legal_basis_code FROM wh.dim_legal_basis)",
    "ukendt lovgrundlag")
CASE_SYSTEMS = {"KMD": "KMD", "DUBU": "DUBU", "AS2007": "AS2007"}

# Every grant source conforms to stg_grant with these columns; each source names its own expressions. The
# adult-need flag arrives in each system's own values (J/N, 1/0, true/false), which its contract types as
# 'true' or 'false'.
GRANT_COLUMNS = """source_file, source_line, extract_date, source_grant_id, case_id, cpr, acting_municipality_code,
       paying_municipality_code, measure_text, placement_type_code, target_group, provider_cvr, provider_name,
       grant_date, start_date, end_date, rate, rate_unit, fee_count, account, caseworker_id, caseworker_name, unit,
       end_reason_code, CAST(adult_need_assessed AS BOOLEAN) AS adult_need_assessed"""

# Notifications (underretninger, BL §§ 132-138) from any case system: the municipality must assess each
# within 24 hours, so an assessment registered before the notification arrived is a registration error.
NOTIFICATION_KEY = ("file_municipality_code", "source_notification_id")
ASSESSED_BEFORE_RECEIVED = RowRule("vurdering", "CAST(assessed_date AS VARCHAR)", "assessed_date < received_date",
                                   "vurderingen ligger før modtagelsen af underretningen")


NOTIFICATION_MUNICIPALITY = RowRule("kommune", "CAST(municipality_code AS VARCHAR)",
                                    "municipality_code <> file_municipality_code",
                                    "kommunen passer ikke med kommunen i filnavnet")


def notification_conform(system: str, source: str) -> str:
    """DUBU stamps receipt and assessment with a time; the warehouse keeps the day."""
    return f"""
SELECT source_file, source_line, extract_date, '{system}' AS source_system,
       file_municipality_code AS municipality_code, source_notification_id, cpr,
       CAST(received_date AS DATE) AS received_date, notifier_code, urgent = 'J' AS urgent,
       CAST(assessed_date AS DATE) AS assessed_date
FROM typed_{source}
"""
