"""Outcome measurements from the case systems: functional level (VUM, 0-4) for adults, well-being for children."""

import re

from etl.contracts import Contract, Field, RowRule

from .common import CASE_SYSTEMS

ASSESSMENTS = Contract(
    source="assessments",
    system="MAALINGER",
    title="Effektmålinger (VUM og trivsel)",
    pattern=re.compile(r"^MAALINGER_(?P<municipality>\d{4})_(?P<date>\d{8})\.csv$"),
    format="delimited",
    encoding="utf-8",
    fields=(
        Field("CPR", "cpr", "cpr"),
        Field("Dato", "assessment_date", "date_iso"),
        Field("Instrument", "instrument", values={"VUM": "VUM", "TRIVSEL": "TRIVSEL"}),
        Field("Score", "score", "decimal_comma"),
        Field("Fagsystem", "source_system", required=False, values=CASE_SYSTEMS),
        Field("Bevillingsreference", "reference", required=False),
    ),
    key=("file_municipality_code", "cpr", "assessment_date", "instrument"),
    rules=(RowRule("Score", "CAST(score AS VARCHAR)",
                   "score < 0 OR (instrument = 'VUM' AND score > 4) OR (instrument = 'TRIVSEL' AND score > 10)",
                   "scoren ligger uden for instrumentets skala (VUM 0-4, trivsel 0-10)"),),
    semantics="append",
    loaded_keys="SELECT a.municipality_code AS file_municipality_code, i.cpr, a.assessment_date, a.instrument, "
                "a.source_file, a.source_line FROM wh.fact_assessment a "
                "JOIN idn.citizen_identity i USING (citizen_key)",
    names_grant=True,
)

ASSESSMENTS_CONFORM = """
SELECT source_file, source_line, extract_date, file_municipality_code AS municipality_code, cpr, assessment_date,
       instrument, CAST(score AS DOUBLE) AS score, source_system, reference
FROM typed_assessments
"""

SOURCES = ((ASSESSMENTS, "stg_assessment", ASSESSMENTS_CONFORM),)
