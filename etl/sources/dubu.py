"""DUBU: children's measures (indsatser), one JSON object per line, UTF-8, ISO dates."""

import re

from etl.contracts import Contract, Field, RowRule

from .common import (
    ASSESSED_BEFORE_RECEIVED,
    END_BEFORE_START,
    GRANT_COLUMNS,
    LEGAL_BASIS_PARTS,
    NEGATIVE_RATE,
    NOTIFICATION_KEY,
    NOTIFICATION_MUNICIPALITY,
    UNKNOWN_LEGAL_BASIS,
    notification_conform,
)

MEASURES = Contract(
    source="dubu_measures",
    system="DUBU",
    title="DUBU, indsatser",
    pattern=re.compile(r"^DUBU_INDSATSER_(?P<municipality>\d{4})_(?P<date>\d{8})\.jsonl$"),
    format="jsonl",
    encoding="utf-8",
    fields=(
        Field("kommunekode", "municipality_code", "municipality_code"),
        Field("sagsid", "case_id"),
        Field("indsatsid", "source_grant_id"),
        Field("barn.cpr", "cpr", "cpr"),
        Field("lovgrundlag.lov", "law", values={"BL": "BL", "SEL": "SEL"}),
        Field("lovgrundlag.paragraf", "paragraph"),
        Field("lovgrundlag.stk", "subsection", required=False),
        Field("lovgrundlag.nr", "item", required=False),
        Field("indsats", "measure_text"),
        Field("anbringelsesform", "placement_type_code", required=False, lookup="placement_type"),
        Field("maalgruppe", "target_group", required=False),
        Field("leverandoer.cvr", "provider_cvr", "cvr", required=False),
        Field("leverandoer.navn", "provider_name", required=False),
        Field("afgoerelsesdato", "grant_date", "date_iso"),
        Field("startdato", "start_date", "date_iso"),
        Field("slutdato", "end_date", "date_iso", required=False),
        Field("betaling.beloeb", "rate", "decimal"),
        Field("betaling.enhed", "rate_unit", values={"MAANED": "month", "DOEGN": "day"}),
        Field("betaling.vederlag", "fee_count", "decimal", required=False),
        Field("betalingskommune", "paying_municipality_code", "municipality_code"),
        Field("handlekommune", "acting_municipality_code", "municipality_code"),
        Field("raadgiver.id", "caseworker_id"),
        Field("raadgiver.navn", "caseworker_name"),
        Field("team", "unit", required=False),
        Field("konto", "account", "account"),
        Field("registreret", "registered_at", "timestamp_iso", required=False),
        Field("ophoersaarsag", "end_reason_code", required=False, lookup="end_reason"),
        Field("voksenbehovVurderet", "adult_need_assessed", required=False, values={"true": "true", "false": "false"}),
    ),
    key=("source_grant_id",),
    rules=(
        END_BEFORE_START, UNKNOWN_LEGAL_BASIS, NEGATIVE_RATE,
        RowRule("kommunekode", "CAST(municipality_code AS VARCHAR)", "municipality_code <> file_municipality_code",
                "kommunen passer ikke med kommunen i filnavnet"),
    ),
)

MEASURES_CONFORM = f"""
SELECT {GRANT_COLUMNS}, 'DUBU' AS source_system, {LEGAL_BASIS_PARTS} AS legal_basis_code,
       {LEGAL_BASIS_PARTS} AS legal_basis_as_registered, CAST(registered_at AS DATE) AS registered_date
FROM typed_dubu_measures
"""

NOTIFICATIONS = Contract(
    source="dubu_notifications",
    system="DUBU",
    title="DUBU, underretninger",
    pattern=re.compile(r"^DUBU_UNDERRETNINGER_(?P<municipality>\d{4})_(?P<date>\d{8})\.jsonl$"),
    format="jsonl",
    encoding="utf-8",
    fields=(
        Field("kommunekode", "municipality_code", "municipality_code"),
        Field("underretningsid", "source_notification_id"),
        Field("barn.cpr", "cpr", "cpr"),
        Field("modtaget", "received_date", "timestamp_iso"),
        Field("underretter.type", "notifier_code", lookup="notifier"),
        Field("akut", "urgent", values={"true": "J", "false": "N"}),
        Field("vurdering.tidspunkt", "assessed_date", "timestamp_iso", required=False),
    ),
    key=NOTIFICATION_KEY,
    rules=(NOTIFICATION_MUNICIPALITY, ASSESSED_BEFORE_RECEIVED),
)

SOURCES = ((MEASURES, "stg_grant", MEASURES_CONFORM),
           (NOTIFICATIONS, "stg_notification", notification_conform("DUBU", "dubu_notifications")))
