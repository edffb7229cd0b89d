"""The warehouse star schema, one definition for the ETL that writes it and the code that reads it.

The large tables (citizens, grants, their histories) carry no primary-key index: every build checks
their keys before it publishes (etl/invariants.py), and DuckDB would otherwise maintain an index
through every million-row insert.

Tables fall into four access classes (see ``TABLE_ACCESS``): reference dimensions and
aggregates that any analyst role may read, person-level tables reachable only through
scoped functions in ``data_access``, and load metadata for administrators.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Float,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
)

metadata = MetaData()

Money = Numeric(18, 2)


def _lineage() -> list[Column]:
    """Every fact row knows the file, line and ETL run that loaded it."""
    return [
        Column("source_file", String, nullable=False),
        Column("source_line", Integer, nullable=False),
        Column("etl_run_id", String, nullable=False),
    ]


# --- Dimensions -------------------------------------------------------------------------

dim_municipality = Table(
    "dim_municipality",
    metadata,
    Column("municipality_code", SmallInteger, primary_key=True, autoincrement=False),
    Column("name", String, nullable=False),
    Column("region_code", SmallInteger, nullable=False),
    Column("region_name", String, nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("population_thousands", Float, nullable=False),
)

dim_month = Table(
    "dim_month",
    metadata,
    Column("month", Date, primary_key=True),
    Column("year", SmallInteger, nullable=False),
    Column("quarter", SmallInteger, nullable=False),
    Column("month_of_year", SmallInteger, nullable=False),
    Column("days_in_month", SmallInteger, nullable=False),
)

dim_measure_group = Table(
    "dim_measure_group",
    metadata,
    Column("measure_group", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("area", String, nullable=False),
    # The intervention staircase (F-KOM-EFFECT): higher is more intrusive; empty: not on the staircase.
    Column("staircase_step", SmallInteger),
)

dim_legal_basis = Table(
    "dim_legal_basis",
    metadata,
    Column("legal_basis_code", String, primary_key=True),
    Column("law", String, nullable=False),
    Column("paragraph", String, nullable=False),
    Column("subsection", String),
    Column("item", String),
    Column("text", String, nullable=False),
    Column("area", String, nullable=False),
    Column("measure_group", String, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
    Column("successor_code", String),
)

dim_placement_type = Table(
    "dim_placement_type",
    metadata,
    Column("placement_type_code", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("category", String, nullable=False),
    Column("historic", Boolean, nullable=False),
    Column("staircase_step", SmallInteger),  # a placement's step, by where the child lives
)

# Why a grant ended, conformed from each case system's own codes (config/end_reasons.csv).
dim_end_reason = Table(
    "dim_end_reason",
    metadata,
    Column("end_reason_code", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("breakdown", Boolean, nullable=False),  # the placement broke down (K-UBU-BREAKDOWN)
)

dim_account_function = Table(
    "dim_account_function",
    metadata,
    Column("function_code", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("area", String, nullable=False),
)

dim_provider = Table(
    "dim_provider",
    metadata,
    Column("provider_key", String, primary_key=True),
    Column("cvr", String),
    Column("name", String, nullable=False),
)

dim_caseworker = Table(
    "dim_caseworker",
    metadata,
    Column("caseworker_key", String, primary_key=True),
    Column("municipality_code", SmallInteger, nullable=False),
    Column("source_system", String, nullable=False),
    Column("source_id", String, nullable=False),
    Column("name", String, nullable=False),
    Column("unit", String),
)

dim_citizen = Table(
    "dim_citizen",
    metadata,
    Column("citizen_key", String, nullable=False),
    Column("name", String, nullable=False),
    Column("masked_cpr", String, nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("residence_municipality_code", SmallInteger),
)

# Every citizen the deliveries mention, with what the CPR number itself tells (birth date, sex).
known_citizen = Table(
    "known_citizen",
    metadata,
    Column("citizen_key", String, nullable=False),
    Column("masked_cpr", String, nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(1), nullable=False),
)

# The CPR register's current record per citizen (history in person_cpr_version).
person_cpr = Table(
    "person_cpr",
    metadata,
    Column("citizen_key", String, nullable=False),
    Column("first_name", String, nullable=False),
    Column("last_name", String, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("residence_municipality_code", SmallInteger, nullable=False),
    Column("moved_in", Date),
    *_lineage(),
)

fact_residence = Table(
    "fact_residence",
    metadata,
    Column("citizen_key", String, nullable=False),
    Column("moved_in", Date, nullable=False),
    Column("municipality_code", SmallInteger, nullable=False),
    Column("moved_out", Date),
    *_lineage(),
)

fact_relation = Table(
    "fact_relation",
    metadata,
    Column("child_key", String, nullable=False),
    Column("parent_key", String, nullable=False),
    Column("relation", String, nullable=False),  # MOR | FAR
    *_lineage(),
)

# --- Facts --------------------------------------------------------------------------------

fact_grant = Table(
    "fact_grant",
    metadata,
    Column("grant_key", String, nullable=False),
    Column("source_system", String, nullable=False),
    Column("source_grant_id", String, nullable=False),
    Column("case_id", String, nullable=False),
    Column("citizen_key", String, nullable=False),
    Column("caseworker_key", String, nullable=False),
    Column("acting_municipality_code", SmallInteger, nullable=False),
    Column("paying_municipality_code", SmallInteger, nullable=False),
    Column("area", String, nullable=False),
    Column("measure_group", String, nullable=False),
    Column("legal_basis_code", String, nullable=False),
    Column("legal_basis_as_registered", String, nullable=False),
    Column("measure_text", String, nullable=False),
    Column("placement_type_code", String),
    Column("target_group", String),
    Column("provider_key", String),
    Column("grant_date", Date, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("registered_date", Date),
    Column("rate", Money, nullable=False),
    Column("rate_unit", String, nullable=False),
    Column("fee_count", Float),
    Column("monthly_cost", Money, nullable=False),
    Column("function_code", String, nullable=False),
    Column("end_reason_code", String),  # registered with the end; NULL while open (or left out)
    # A children's grant: the caseworker assessed before the 18th birthday that adult support will be needed.
    Column("adult_need_assessed", Boolean),
    *_lineage(),
)

fact_payment = Table(
    "fact_payment",
    metadata,
    Column("municipality_code", SmallInteger, nullable=False),
    Column("voucher", BigInteger, nullable=False),
    Column("citizen_key", String),
    Column("source_system", String),  # the case system and grant id the posting names, if any
    Column("reference", String),
    Column("grant_key", String),  # the grant it pays, once that grant is known
    Column("account_string", String, nullable=False),
    Column("function_code", String, nullable=False),
    Column("posting_date", Date, nullable=False),
    Column("period_month", Date, nullable=False),  # the accounting month: the month of the posting date
    Column("service_month", Date),  # the month paid for, when the posting text names it (mm-yyyy)
    Column("amount", Money, nullable=False),
    Column("text", String),
    *_lineage(),
    Column("art", String),  # artskonto as two digits: 40 services, 47 paid to / 77 received from municipalities
)

fact_budget = Table(
    "fact_budget",
    metadata,
    Column("municipality_code", SmallInteger, nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("function_code", String, nullable=False),
    Column("original_budget", Money, nullable=False),
    Column("corrected_budget", Money, nullable=False),
    *_lineage(),
)

fact_population = Table(
    "fact_population",
    metadata,
    Column("municipality_code", SmallInteger, nullable=False),
    Column("quarter_start", Date, nullable=False),
    Column("age", SmallInteger, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("persons", Integer, nullable=False),
    *_lineage(),
)

fact_assessment = Table(
    "fact_assessment",
    metadata,
    Column("municipality_code", SmallInteger, nullable=False),
    Column("citizen_key", String, nullable=False),
    Column("assessment_date", Date, nullable=False),
    Column("instrument", String, nullable=False),  # VUM (functional level 0-4, lower is better) | TRIVSEL (0-10)
    Column("score", Double, nullable=False),
    Column("source_system", String),
    Column("reference", String),
    Column("grant_key", String),
    *_lineage(),
)

# Notifications (underretninger, BL §§ 132-138) as the receiving municipality's case system registered them.
fact_notification = Table(
    "fact_notification",
    metadata,
    Column("notification_key", String, nullable=False),  # source system : municipality : its id there
    Column("source_system", String, nullable=False),
    Column("source_notification_id", String, nullable=False),
    Column("municipality_code", SmallInteger, nullable=False),  # the municipality that received it
    Column("citizen_key", String, nullable=False),
    Column("received_date", Date, nullable=False),
    Column("notifier_code", String, nullable=False),  # SKOLE | DAGTILBUD | SUNDHED | POLITI | BORGER | ANDET
    Column("urgent", Boolean, nullable=False),
    Column("assessed_date", Date),  # BL § 133: assessed within 24 hours; NULL: no assessment registered
    *_lineage(),
)

# Data-quality findings on current grants, recomputed every run; registrations are never corrected.
fact_grant_flag = Table(
    "fact_grant_flag",
    metadata,
    Column("grant_key", String, nullable=False),
    Column("flag_code", String, nullable=False),
    Column("detail", String),
    Column("amount", Money),  # money at stake, where the flag has a price (paying-municipality mismatch)
)

# One row per citizen, month and measure group: the grant active most days that month
# lends its attributes, so that counts of persons add up along every dimension.
fact_person_month = Table(
    "fact_person_month",
    metadata,
    Column("citizen_key", String, nullable=False),
    Column("month", Date, nullable=False),
    Column("area", String, nullable=False),
    Column("measure_group", String, nullable=False),
    Column("grant_key", String, nullable=False),
    Column("paying_municipality_code", SmallInteger, nullable=False),
    Column("acting_municipality_code", SmallInteger, nullable=False),
    Column("placement_type_code", String),
    Column("legal_basis_code", String, nullable=False),
    Column("caseworker_key", String, nullable=False),
    Column("provider_key", String),
    Column("target_group", String),
    Column("age", SmallInteger, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("days_active", SmallInteger, nullable=False),
)

# --- Aggregates built nightly for interactive figures --------------------------------------

agg_persons_month = Table(
    "agg_persons_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("paying_municipality_code", SmallInteger, nullable=False),
    Column("acting_municipality_code", SmallInteger, nullable=False),
    Column("area", String, nullable=False),
    Column("measure_group", String, nullable=False),
    Column("placement_type_code", String),
    Column("legal_basis_code", String, nullable=False),
    Column("target_group", String),
    Column("age", SmallInteger, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("persons", Integer, nullable=False),
    Column("person_days", Integer, nullable=False),
)

agg_population_month = Table(
    "agg_population_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("municipality_code", SmallInteger, nullable=False),
    Column("age", SmallInteger, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("persons", Integer, nullable=False),
)

agg_spend_month = Table(
    "agg_spend_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("municipality_code", SmallInteger, nullable=False),
    Column("function_code", String, nullable=False),
    Column("area", String, nullable=False),
    Column("amount", Money, nullable=False),
    Column("amount_ytd", Money, nullable=False),
)

agg_grants_month = Table(
    "agg_grants_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("acting_municipality_code", SmallInteger, nullable=False),
    Column("source_system", String, nullable=False),
    Column("caseworker_key", String, nullable=False),
    Column("area", String, nullable=False),
    Column("measure_group", String, nullable=False),
    Column("grants_active", Integer, nullable=False),
    Column("grants_started", Integer, nullable=False),
    Column("grants_ended", Integer, nullable=False),  # registered end date in the month
)

# ANY_MISSING_FIELD counts each grant once however many of the MISSING_* findings it has (K-DQ-MISSING).
agg_dq_month = Table(
    "agg_dq_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("acting_municipality_code", SmallInteger, nullable=False),
    Column("source_system", String, nullable=False),
    Column("caseworker_key", String, nullable=False),
    Column("area", String, nullable=False),
    Column("flag_code", String, nullable=False),
    Column("grants_flagged", Integer, nullable=False),
)

agg_budget_month = Table(
    "agg_budget_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("municipality_code", SmallInteger, nullable=False),
    Column("function_code", String, nullable=False),
    Column("area", String, nullable=False),
    Column("budget_full_year", Money, nullable=False),
    Column("budget_ytd", Money, nullable=False),
)

# Outcome progression (F-KOM-EFFECT): grants whose score was measured at the start and again about
# 6 or 12 months later, counted in the month the follow-up point falls in.
agg_effect_month = Table(
    "agg_effect_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("paying_municipality_code", SmallInteger, nullable=False),
    Column("acting_municipality_code", SmallInteger, nullable=False),
    Column("area", String, nullable=False),
    Column("measure_group", String, nullable=False),
    Column("placement_type_code", String),
    Column("provider_key", String),
    Column("target_group", String),
    Column("instrument", String, nullable=False),
    Column("horizon_months", SmallInteger, nullable=False),
    Column("citizens", Integer, nullable=False),
    Column("baseline_score", Double, nullable=False),  # sums, so that groups add up
    Column("score_change", Double, nullable=False),
)

# The intervention staircase: citizens who started a measure on a step, counted 12 months later,
# and how many of them then had a less intrusive measure (a lower step, but still a measure).
agg_staircase_month = Table(
    "agg_staircase_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("paying_municipality_code", SmallInteger, nullable=False),
    Column("acting_municipality_code", SmallInteger, nullable=False),
    Column("area", String, nullable=False),
    Column("measure_group", String, nullable=False),
    Column("placement_type_code", String),
    Column("target_group", String),
    Column("citizens_started", Integer, nullable=False),
    Column("citizens_stepped_down", Integer, nullable=False),
)

# K-UBU-NOTPLAC-1Y: children and young people placed in a month, counted 12 months later, and how
# many of them were then no longer placed.
agg_placement_followup_month = Table(
    "agg_placement_followup_month",
    metadata,
    Column("month", Date, nullable=False),  # 12 months after the month they were placed in
    Column("paying_municipality_code", SmallInteger, nullable=False),  # as a year before
    Column("acting_municipality_code", SmallInteger, nullable=False),
    Column("placement_type_code", String),
    Column("age", SmallInteger, nullable=False),  # a year before
    Column("sex", String(1), nullable=False),
    Column("placed_year_before", Integer, nullable=False),
    Column("not_placed_now", Integer, nullable=False),
)

# K-UBU-DUR-KOMPF: placed children and young people per month with the whole calendar months since the
# start month of the grant that places them (the person-month's grant), so a group's average duration
# is Σ months / Σ placed.
agg_placement_duration_month = Table(
    "agg_placement_duration_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("paying_municipality_code", SmallInteger, nullable=False),
    Column("acting_municipality_code", SmallInteger, nullable=False),
    Column("placement_type_code", String),
    Column("age", SmallInteger, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("placed", Integer, nullable=False),
    Column("placement_months", BigInteger, nullable=False),
)

# K-UBU-YOUTH-SUPPORT: 18-22-year-olds who were placed before they turned 18 (as far back as the
# history goes), in the municipalities of their last placement month before 18, and how many of them
# have youth support in the month: a youth-support measure or a stay kept up after 18 (BL § 114).
agg_youth_support_month = Table(
    "agg_youth_support_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("paying_municipality_code", SmallInteger, nullable=False),
    Column("acting_municipality_code", SmallInteger, nullable=False),
    Column("age", SmallInteger, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("formerly_placed", Integer, nullable=False),
    Column("with_youth_support", Integer, nullable=False),
)

# K-UBU-BREAKDOWN: placements active in the 12 months up to and including the month (from the first
# month of the history), and those of them that ended in breakdown in those months. The age is the age on
# the placement's last day in the window.
agg_placement_breakdown_month = Table(
    "agg_placement_breakdown_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("paying_municipality_code", SmallInteger, nullable=False),
    Column("acting_municipality_code", SmallInteger, nullable=False),
    Column("placement_type_code", String),
    Column("age", SmallInteger, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("placements", Integer, nullable=False),
    Column("breakdowns", Integer, nullable=False),
)

# K-UBU-TRANS-GAP (F-KOM-TRANSITION): young people assessed before 18 to need adult support, whose
# children's measures all ended when they were 16-19, in the month 30 days after that end ran out; and those
# of them with no adult measure running or started by then.
agg_transition_gap_month = Table(
    "agg_transition_gap_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("paying_municipality_code", SmallInteger, nullable=False),
    Column("acting_municipality_code", SmallInteger, nullable=False),
    Column("age", SmallInteger, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("assessed", Integer, nullable=False),
    Column("without_adult_measure", Integer, nullable=False),
)

# K-UBU-NOTIF: notifications received in the month, by the child's age and sex on the day received.
agg_notification_month = Table(
    "agg_notification_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("municipality_code", SmallInteger, nullable=False),
    Column("notifier_code", String, nullable=False),
    Column("urgent", Boolean, nullable=False),
    Column("age", SmallInteger, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("notifications", Integer, nullable=False),
)

# K-ECO-REIMB-RECOV: in the acting municipality's books, what it may claim back from other municipalities
# (its postings on grants whose paying municipality is another one, from the day the citizen's family
# moved there according to CPR; from the first posting if it never lived there) and what it received on
# artskonto 7.7, per accounting month.
agg_reimbursement_month = Table(
    "agg_reimbursement_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("municipality_code", SmallInteger, nullable=False),
    Column("function_code", String, nullable=False),
    Column("area", String, nullable=False),
    Column("claimable", Money, nullable=False),
    Column("recovered", Money, nullable=False),
)

# The fact-based budget (F-KOM-FACTBUDGET) per municipality, function and month: what the active grants
# still commit to 31 December at the month's end (their registration as it stands now), the year's
# spend so far plus that commitment, and how far that forecast lies above the corrected budget.
agg_forecast_month = Table(
    "agg_forecast_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("municipality_code", SmallInteger, nullable=False),  # the paying municipality
    Column("function_code", String, nullable=False),
    Column("area", String, nullable=False),
    Column("committed_rest_of_year", Money, nullable=False),
    Column("forecast_year", Money, nullable=False),
    Column("forecast_over_budget", Money, nullable=False),
)

# Postings that pay a placement, by where the child lives (K-UBU-EXP-NETPF-SHARE): only postings the
# finance system links to a grant with a placement type count here.
agg_spend_placement_month = Table(
    "agg_spend_placement_month",
    metadata,
    Column("month", Date, nullable=False),
    Column("municipality_code", SmallInteger, nullable=False),
    Column("function_code", String, nullable=False),
    Column("area", String, nullable=False),
    Column("placement_type_code", String, nullable=False),
    Column("amount", Money, nullable=False),
)

# --- Load metadata ----------------------------------------------------------------------------

# One row per ETL run that built on this warehouse; the newest describes the published data.
meta_load = Table(
    "meta_load",
    metadata,
    Column("run_id", String, primary_key=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=False),
    Column("data_as_of", Date, nullable=False),
    Column("full_rebuild", Boolean, nullable=False),
    Column("inbox", String, nullable=False),
    Column("files", Integer, nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_quarantined", Integer, nullable=False),
)

meta_schema = Table(
    "meta_schema",
    metadata,
    Column("fingerprint", String, nullable=False),
)

# Every file ever loaded into this warehouse (the catalog that makes runs incremental and idempotent).
meta_load_file = Table(
    "meta_load_file",
    metadata,
    Column("run_id", String, nullable=False),
    Column("file_name", String, nullable=False),
    Column("source", String, nullable=False),
    Column("extract_date", Date, nullable=False),
    Column("sha256", String, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_quarantined", Integer, nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("run_id", String, nullable=False),
    Column("file_name", String, nullable=False),
    Column("line", Integer, nullable=False),
    Column("column_name", String),
    Column("value", String),
    Column("reason", String, nullable=False),
)


def _versioned(table: Table) -> Table:
    """The type-2 history of a table: every version a row has had, valid from one load date to the next."""
    return Table(
        f"{table.name}_version",
        metadata,
        *[Column(c.name, c.type, nullable=c.nullable) for c in table.columns],
        Column("valid_from", Date, nullable=False),  # extraction date of the delivery that brought this version
        Column("valid_to", Date),  # extraction date of the delivery that replaced it; NULL: current
    )


# Keys of the tables whose sources deliver upserts; their history is kept in <table>_version.
VERSIONED_KEYS: dict[str, tuple[str, ...]] = {
    "fact_grant": ("grant_key",),
    "fact_budget": ("municipality_code", "year", "function_code"),
    "fact_population": ("municipality_code", "quarter_start", "age", "sex"),
    "person_cpr": ("citizen_key",),
    "fact_residence": ("citizen_key", "moved_in"),
    "fact_relation": ("child_key", "parent_key"),
    "fact_notification": ("notification_key",),
}
VERSIONS = {name: _versioned(metadata.tables[name]) for name in VERSIONED_KEYS}


class Access(StrEnum):
    AGGREGATE = "aggregate"  # no persons: any analyst role, across municipalities
    PERSON = "person"  # person level: only through scoped functions
    ADMIN = "admin"  # load metadata: administrators


_AGGREGATE = {
    dim_municipality, dim_month, dim_measure_group, dim_legal_basis, dim_placement_type,
    dim_account_function, agg_persons_month, agg_population_month, agg_spend_month, agg_budget_month,
    agg_grants_month, agg_dq_month, agg_effect_month, agg_staircase_month, agg_placement_followup_month,
    agg_forecast_month, agg_spend_placement_month, agg_placement_duration_month, agg_youth_support_month,
    dim_end_reason, agg_placement_breakdown_month, agg_transition_gap_month,
    agg_notification_month, agg_reimbursement_month,
}
_ADMIN = {meta_load, meta_load_file, meta_schema, quarantine}

TABLE_ACCESS: dict[str, Access] = {
    table.name: Access.AGGREGATE if table in _AGGREGATE else Access.ADMIN if table in _ADMIN else Access.PERSON
    for table in metadata.sorted_tables
}
