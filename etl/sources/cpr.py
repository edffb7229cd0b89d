"""CPR: the persons the social area's cases concern (and their parents), where they live, whose child is whose."""

import re

from etl.contracts import Contract, Field, RowRule

PERSONS = Contract(
    source="cpr_persons",
    system="CPR",
    title="CPR, personer",
    pattern=re.compile(r"^CPR_PERSONER_(?P<date>\d{8})\.csv$"),
    format="delimited",
    encoding="utf-8",
    fields=(
        Field("PNR", "cpr", "cpr"),
        Field("FORNAVN", "first_name"),
        Field("EFTERNAVN", "last_name"),
        Field("KOEN", "sex", values={"M": "M", "K": "K"}),
        Field("FOEDDATO", "birth_date", "date_iso"),
        Field("KOMKOD", "residence_municipality_code", "municipality_code"),
        Field("TILFLYTNINGSDATO", "moved_in", "date_iso", required=False),
    ),
    key=("cpr",),
    rules=(RowRule("FOEDDATO", "CAST(birth_date AS VARCHAR)", "birth_date <> cpr_birth_date(cpr)",
                   "fødselsdatoen passer ikke med CPR-nummeret"),),
)

PERSONS_CONFORM = """
SELECT source_file, source_line, extract_date, cpr, first_name, last_name, sex, birth_date,
       residence_municipality_code, moved_in
FROM typed_cpr_persons
"""

ADDRESSES = Contract(
    source="cpr_addresses",
    system="CPR",
    title="CPR, adressehistorik",
    pattern=re.compile(r"^CPR_ADRESSER_(?P<date>\d{8})\.csv$"),
    format="delimited",
    encoding="utf-8",
    fields=(
        Field("PNR", "cpr", "cpr"),
        Field("KOMKOD", "municipality_code", "municipality_code"),
        Field("TILFLYTNINGSDATO", "moved_in", "date_iso"),
        Field("FRAFLYTNINGSDATO", "moved_out", "date_iso", required=False),
    ),
    key=("cpr", "moved_in"),
    rules=(RowRule("FRAFLYTNINGSDATO", "CAST(moved_out AS VARCHAR)", "moved_out < moved_in",
                   "fraflytning ligger før tilflytning"),),
)

ADDRESSES_CONFORM = """
SELECT source_file, source_line, extract_date, cpr, municipality_code, moved_in, moved_out FROM typed_cpr_addresses
"""

RELATIONS = Contract(
    source="cpr_relations",
    system="CPR",
    title="CPR, forældre og børn",
    pattern=re.compile(r"^CPR_RELATIONER_(?P<date>\d{8})\.csv$"),
    format="delimited",
    encoding="utf-8",
    fields=(
        Field("PNR_BARN", "child_cpr", "cpr"),
        Field("PNR_FORAELDER", "parent_cpr", "cpr"),
        Field("RELATION", "relation", values={"MOR": "MOR", "FAR": "FAR"}),
    ),
    key=("child_cpr", "parent_cpr"),
    rules=(RowRule("PNR_FORAELDER", "parent_cpr", "parent_cpr = child_cpr",
                   "en person kan ikke være sin egen forælder"),),
)

RELATIONS_CONFORM = """
SELECT source_file, source_line, extract_date, child_cpr, parent_cpr, relation FROM typed_cpr_relations
"""

SOURCES = ((PERSONS, "stg_person", PERSONS_CONFORM), (ADDRESSES, "stg_address", ADDRESSES_CONFORM),
           (RELATIONS, "stg_relation", RELATIONS_CONFORM))
