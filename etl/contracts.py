"""Source contracts: what each delivery file must look like, as data the validator compiles to SQL.

A ``Field`` names a column (or JSON path), its kind and whether it is required; each
kind knows how to turn the raw text into a typed value and what to say when it cannot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

FIRST_PLAUSIBLE, LAST_PLAUSIBLE = date(1900, 1, 1), date(2100, 12, 31)


@dataclass(frozen=True)
class Kind:
    """Turns a raw text SQL expression into a typed one (NULL when invalid) and names the problem."""

    sql: str  # a format string over {raw}
    problem: str


def _plausible_date(expression: str) -> str:
    return f"plausible_date({expression})"


KINDS: dict[str, Kind] = {
    "text": Kind("{raw}", "ugyldig tekst"),
    "int": Kind("CASE WHEN regexp_full_match({raw}, '-?[0-9]{{1,18}}') THEN CAST({raw} AS BIGINT) END",
                "ikke et heltal"),
    "count": Kind("CASE WHEN regexp_full_match({raw}, '[0-9]{{1,9}}') THEN CAST({raw} AS INTEGER) END",
                  "ikke et antal (helt tal på 0 eller mere)"),
    "decimal_comma": Kind(
        "CASE WHEN regexp_full_match({raw}, '-?[0-9]{{1,15}}(,[0-9]{{1,2}})?') "
        "THEN CAST(replace({raw}, ',', '.') AS DECIMAL(18,2)) END",
        "ugyldigt beløb (forventet fx 1234,50 med decimalkomma og uden tusindtalsseparator)"),
    "decimal": Kind(
        "CASE WHEN regexp_full_match({raw}, '-?[0-9]{{1,15}}(\\.[0-9]+)?') THEN CAST({raw} AS DECIMAL(18,2)) END",
        "ugyldigt tal (forventet fx 1234.5)"),
    "date_dmy": Kind(_plausible_date(
        "CASE WHEN regexp_full_match({raw}, '[0-9]{{2}}-[0-9]{{2}}-[0-9]{{4}}') "
        "THEN CAST(try_strptime({raw}, '%d-%m-%Y') AS DATE) END"),
        "ugyldig dato (forventet dd-mm-åååå)"),
    "date_iso": Kind(_plausible_date(
        "CASE WHEN regexp_full_match({raw}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
        "THEN CAST(try_strptime({raw}, '%Y-%m-%d') AS DATE) END"),
        "ugyldig dato (forventet åååå-mm-dd)"),
    "date_ymd": Kind(_plausible_date(
        "CASE WHEN regexp_full_match({raw}, '[0-9]{{8}}') THEN CAST(try_strptime({raw}, '%Y%m%d') AS DATE) END"),
        "ugyldig dato (forventet ååååmmdd)"),
    "timestamp_iso": Kind(
        "CASE WHEN regexp_full_match({raw}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}') "
        "THEN try_strptime({raw}, '%Y-%m-%dT%H:%M:%S') END",
        "ugyldigt tidspunkt (forventet åååå-mm-ddTtt:mm:ss)"),
    "municipality_code": Kind(
        "(SELECT m.municipality_code FROM wh.dim_municipality m "
        "WHERE regexp_full_match({raw}, '[0-9]{{3,4}}') AND m.municipality_code = CAST({raw} AS INTEGER))",
        "ukendt kommunekode"),
    "municipality_name": Kind(
        "(SELECT m.municipality_code FROM wh.dim_municipality m WHERE m.name = {raw})", "ukendt kommunenavn"),
    # Day (or day + 60) and month by pattern; the calendar only needs asking for days 29-31.
    "cpr": Kind("CASE WHEN regexp_full_match({raw}, '(0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])"
                "(0[1-9]|1[0-2])[0-9]{{2}}-?[0-9]{{4}}') THEN CASE "
                "WHEN CAST(left({raw}, 2) AS INTEGER) % 60 <= 28 THEN replace({raw}, '-', '') "
                "WHEN cpr_birth_date(replace({raw}, '-', '')) IS NOT NULL THEN replace({raw}, '-', '') END END",
                "ugyldigt CPR-nummer"),
    "cvr": Kind("CASE WHEN regexp_full_match({raw}, '[0-9]{{8}}') THEN {raw} END", "ugyldigt CVR-nummer (8 cifre)"),
    "account": Kind(
        "(SELECT {raw} FROM wh.dim_account_function f WHERE regexp_full_match({raw}, '[0-9]{{9}}') "
        "AND f.function_code = account_function({raw}))",
        "ukendt konto (9 cifre, hvis funktion skal findes i kontoplanen)"),
    "account_dotted": Kind(
        "(SELECT replace({raw}, '.', '') FROM wh.dim_account_function f "
        "WHERE regexp_full_match({raw}, '[0-9]\\.[0-9]{{2}}\\.[0-9]{{2}}\\.[0-9]\\.[0-9]{{3}}') "
        "AND f.function_code = left({raw}, 7))",
        "ukendt konto (forventet fx 5.28.22.1.002, hvis funktion skal findes i kontoplanen)"),
    "function_digits": Kind(
        "(SELECT f.function_code FROM wh.dim_account_function f WHERE regexp_full_match({raw}, '[0-9]{{5}}') "
        "AND f.function_code = account_function({raw}))",
        "ukendt funktion i kontoplanen (forventet fx 52822)"),
    "function_code": Kind(
        "(SELECT f.function_code FROM wh.dim_account_function f WHERE f.function_code = {raw})",
        "ukendt funktion i kontoplanen"),
    "age_label": Kind(
        "CASE WHEN regexp_full_match({raw}, '[0-9]{{1,3}} år( og derover)?') "
        "THEN CAST(regexp_extract({raw}, '^([0-9]+)', 1) AS SMALLINT) END",
        "ugyldig aldersbetegnelse (forventet fx '7 år')"),
    "quarter_label": Kind(
        "CASE WHEN regexp_full_match({raw}, '[0-9]{{4}}K[1-4]') THEN make_date(CAST(left({raw}, 4) AS INTEGER), "
        "(CAST(right({raw}, 1) AS INTEGER) - 1) * 3 + 1, 1) END",
        "ugyldigt kvartal (forventet fx 2024K1)"),
}

# SQL helpers the kinds above rely on, created once per build workspace.
MACROS = (
    # Century from the 7th digit as in the CPR office's table; day > 60 marks a replacement number.
    """CREATE OR REPLACE MACRO cpr_birth_date(d) AS CAST(try_strptime(
        CAST(CASE WHEN substr(d, 7, 1) IN ('0', '1', '2', '3') THEN 1900
                  WHEN substr(d, 7, 1) IN ('4', '9') THEN CASE WHEN CAST(substr(d, 5, 2) AS INTEGER) <= 36
                       THEN 2000 ELSE 1900 END
                  ELSE CASE WHEN CAST(substr(d, 5, 2) AS INTEGER) <= 57 THEN 2000 ELSE 1800 END END
             + CAST(substr(d, 5, 2) AS INTEGER) AS VARCHAR)
        || '-' || substr(d, 3, 2) || '-'
        || lpad(CAST(CAST(substr(d, 1, 2) AS INTEGER) - CASE WHEN CAST(substr(d, 1, 2) AS INTEGER) > 60
                     THEN 60 ELSE 0 END AS VARCHAR), 2, '0'),
        '%Y-%m-%d') AS DATE)""",
    f"CREATE OR REPLACE MACRO plausible_date(d) AS CASE WHEN d BETWEEN DATE '{FIRST_PLAUSIBLE}' "
    f"AND DATE '{LAST_PLAUSIBLE}' THEN d END",
    "CREATE OR REPLACE MACRO account_function(a) AS "
    "substr(a, 1, 1) || '.' || substr(a, 2, 2) || '.' || substr(a, 4, 2)",
)


@dataclass(frozen=True)
class Field:
    source: str  # column header, or dotted path in a JSON object
    target: str  # typed column name
    kind: str = "text"
    required: bool = True
    values: dict[str, str] | None = None  # allowed source values and what they become
    lookup: str | None = None  # code kind in config/source_code_aliases.csv

    def sql(self, raw: str, system: str) -> str:
        if self.values is not None:
            cases = " ".join(f"WHEN {sql_literal(k)} THEN {sql_literal(v)}" for k, v in self.values.items())
            return f"CASE {raw} {cases} END"
        if self.lookup is not None:
            return (f"(SELECT a.code FROM ref_alias a WHERE a.source_system = {sql_literal(system)} "
                    f"AND a.kind = {sql_literal(self.lookup)} AND a.source_value = {raw})")
        return KINDS[self.kind].sql.format(raw=raw)

    def problem(self) -> str:
        if self.values is not None:
            return "ukendt værdi (tilladt: " + ", ".join(self.values) + ")"
        if self.lookup is not None:
            return {"legal_basis": "ukendt paragraf", "placement_type": "ukendt anbringelsesform",
                    "end_reason": "ukendt ophørsårsag", "notifier": "ukendt underretter"}.get(
                self.lookup, "ukendt kode")
        return KINDS[self.kind].problem


@dataclass(frozen=True)
class RowRule:
    """A check across typed columns of one row; rows where ``violated`` holds are quarantined."""

    column: str
    value_sql: str
    violated: str
    reason: str


@dataclass(frozen=True)
class Contract:
    source: str  # short name, e.g. kmd_grants
    system: str  # source system: KMD, DUBU, AS2007, PRISME, OPUS, CPR, DST
    title: str  # Danish, for messages and the run log
    pattern: re.Pattern  # file name, with a 'date' group (YYYYMMDD) and optionally 'municipality'
    format: str  # delimited | jsonl | xml
    encoding: str  # cp1252 | utf-8 | utf-8-sig | iso-8859-1
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ()
    rules: tuple[RowRule, ...] = ()
    delimiter: str = ";"
    # upsert: a delivery holds new and changed rows, and a key may come again in a later delivery (history
    # is kept); append: every row is new, and a key already loaded is a duplicate.
    semantics: str = "upsert"
    loaded_keys: str = ""  # append sources: SELECT of the key columns (and source_file, source_line) already loaded
    names_grant: bool = False  # rows may name a grant (source_system, reference) that must exist in that system
    xml_root: str = ""  # xml: the document element
    xml_record: str = ""  # xml: the element holding one record; field sources are paths below it

    @property
    def targets(self) -> list[str]:
        return [f.target for f in self.fields]


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
