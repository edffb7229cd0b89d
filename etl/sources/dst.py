"""Danmarks Statistik FOLK1A: population on the 1st of each quarter by municipality, sex and age.

Statbank layout: municipality by name, sex as 'Mænd'/'Kvinder', age as '7 år', quarter as '2024K1'.
"""

import re

from etl.contracts import Contract, Field

POPULATION = Contract(
    source="dst_population",
    system="DST",
    title="Danmarks Statistik, befolkning (FOLK1A)",
    pattern=re.compile(r"^DST_FOLK1A_(?P<date>\d{8})\.csv$"),
    format="delimited",
    encoding="utf-8",
    fields=(
        Field("OMRÅDE", "municipality_code", "municipality_name"),
        Field("KØN", "sex", values={"Mænd": "M", "Kvinder": "K"}),
        Field("ALDER", "age", "age_label"),
        Field("TID", "quarter_start", "quarter_label"),
        Field("INDHOLD", "persons", "count"),
    ),
    key=("municipality_code", "sex", "age", "quarter_start"),
)

POPULATION_CONFORM = """
SELECT source_file, source_line, extract_date, municipality_code, quarter_start, age, sex, persons
FROM typed_dst_population
"""

SOURCES = ((POPULATION, "stg_population", POPULATION_CONFORM),)
