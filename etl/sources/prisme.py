"""Prisme (Fujitsu) finance: person-level payment postings and budgets, one file each per municipality.

Semicolon-separated, UTF-8 with a byte-order mark (as Excel writes it), decimal comma, ISO dates.
"""

import re

from etl.contracts import Contract, Field

from .common import CASE_SYSTEMS, POSTINGS_APPEND

POSTINGS = Contract(
    source="prisme_postings",
    system="PRISME",
    title="Prisme, posteringer",
    pattern=re.compile(r"^PRISME_POSTERINGER_(?P<municipality>\d{4})_(?P<date>\d{8})\.csv$"),
    format="delimited",
    encoding="utf-8-sig",
    fields=(
        Field("Bilagsnr", "voucher", "int"),
        Field("Bogføringsdato", "posting_date", "date_iso"),
        Field("Kontostreng", "account", "account"),
        Field("Art", "art"),
        Field("Beløb", "amount", "decimal_comma"),
        Field("CPR", "cpr", "cpr", required=False),
        Field("Fagsystem", "source_system", required=False, values=CASE_SYSTEMS),
        Field("Fagsystemreference", "reference", required=False),
        Field("Tekst", "text", required=False),
    ),
    **POSTINGS_APPEND,
)

POSTINGS_CONFORM = """
SELECT source_file, source_line, extract_date, file_municipality_code AS municipality_code, voucher, posting_date,
       account, art, amount, cpr, source_system, reference, text
FROM typed_prisme_postings
"""

BUDGETS = Contract(
    source="prisme_budgets",
    system="PRISME",
    title="Prisme, budgetter",
    pattern=re.compile(r"^PRISME_BUDGET_(?P<municipality>\d{4})_(?P<date>\d{8})\.csv$"),
    format="delimited",
    encoding="utf-8-sig",
    fields=(
        Field("År", "year", "int"),
        Field("Funktion", "function_code", "function_code"),
        Field("Oprindeligt budget", "original_budget", "decimal_comma"),
        Field("Korrigeret budget", "corrected_budget", "decimal_comma"),
    ),
    key=("file_municipality_code", "year", "function_code"),
)

BUDGETS_CONFORM = """
SELECT source_file, source_line, extract_date, file_municipality_code AS municipality_code,
       CAST(year AS SMALLINT) AS year, function_code, original_budget, corrected_budget
FROM typed_prisme_budgets
"""

SOURCES = ((POSTINGS, "stg_payment", POSTINGS_CONFORM), (BUDGETS, "stg_budget", BUDGETS_CONFORM))
