"""CPR: the persons the social area's cases concern, with birth date, sex and residence."""

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
SELECT source_file, source_line, cpr, first_name, last_name, sex, birth_date, residence_municipality_code, moved_in
FROM typed_cpr_persons
"""

SOURCES = ((PERSONS, "stg_person", PERSONS_CONFORM),)
