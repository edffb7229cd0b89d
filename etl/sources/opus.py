"""KMD Opus finance: payment postings and budgets, pipe-separated, UTF-8, dates yyyymmdd, decimal point.

Accounts as dotted strings on the autoriseret kontoplan (5.28.22.1.002), functions as five digits (52822).
"""

import re

from etl.contracts import Contract, Field

from .common import CASE_SYSTEMS, POSTINGS_APPEND

POSTINGS = Contract(
    source="opus_postings",
    system="OPUS",
    title="KMD Opus, posteringer",
    pattern=re.compile(r"^OPUS_POSTERINGER_(?P<municipality>\d{4})_(?P<date>\d{8})\.csv$"),
    format="delimited",
    encoding="utf-8",
    delimiter="|",
    fields=(
        Field("BILAGSNR", "voucher", "int"),
        Field("POSTERINGSDATO", "posting_date", "date_ymd"),
        Field("KONTO", "account", "account_dotted"),
        Field("ARTSKONTO", "art"),
        Field("BELOEB", "amount", "decimal"),
        Field("CPRNR", "cpr", "cpr", required=False),
        Field("FAGSYSTEM", "source_system", required=False, values=CASE_SYSTEMS),
        Field("FAGSYSTEMREF", "reference", required=False),
        Field("TEKST", "text", required=False),
    ),
    **POSTINGS_APPEND,
)

POSTINGS_CONFORM = """
SELECT source_file, source_line, extract_date, file_municipality_code AS municipality_code, voucher, posting_date,
       account, replace(art, '.', '') AS art, amount, cpr, source_system, reference, text
FROM typed_opus_postings
"""

BUDGETS = Contract(
    source="opus_budgets",
    system="OPUS",
    title="KMD Opus, budgetter",
    pattern=re.compile(r"^OPUS_BUDGET_(?P<municipality>\d{4})_(?P<date>\d{8})\.csv$"),
    format="delimited",
    encoding="utf-8",
    delimiter="|",
    fields=(
        Field("AAR", "year", "int"),
        Field("FUNKTION", "function_code", "function_digits"),
        Field("OPR_BUDGET", "original_budget", "decimal"),
        Field("KORR_BUDGET", "corrected_budget", "decimal"),
    ),
    key=("file_municipality_code", "year", "function_code"),
)

BUDGETS_CONFORM = """
SELECT source_file, source_line, extract_date, file_municipality_code AS municipality_code,
       CAST(year AS SMALLINT) AS year, function_code, original_budget, corrected_budget
FROM typed_opus_budgets
"""

SOURCES = ((POSTINGS, "stg_payment", POSTINGS_CONFORM), (BUDGETS, "stg_budget", BUDGETS_CONFORM))
