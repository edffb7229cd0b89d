"""KMD Børn og Voksne: grants (bevillinger) for children and adults, one file per municipality.

Semicolon-separated, Windows-1252, decimal comma, dates dd-mm-yyyy, CRLF line ends.
"""

import re

from etl.contracts import Contract, Field

from .common import (
    ASSESSED_BEFORE_RECEIVED,
    END_BEFORE_START,
    GRANT_COLUMNS,
    MUNICIPALITY_MATCHES_FILE,
    NEGATIVE_RATE,
    NOTIFICATION_KEY,
    NOTIFICATION_MUNICIPALITY,
    notification_conform,
)

GRANTS = Contract(
    source="kmd_grants",
    system="KMD",
    title="KMD Børn og Voksne, bevillinger",
    pattern=re.compile(r"^KMD_BV_BEVILLINGER_(?P<municipality>\d{4})_(?P<date>\d{8})\.csv$"),
    format="delimited",
    encoding="cp1252",
    fields=(
        Field("Kommunenr", "acting_municipality_code", "municipality_code"),
        Field("Sagsnr", "case_id"),
        Field("Bevillingsnr", "source_grant_id"),
        Field("CPR-nr", "cpr", "cpr"),
        Field("Paragraf", "legal_basis_code", lookup="legal_basis"),
        Field("Ydelse", "measure_text"),
        Field("Anbringelsesform", "placement_type_code", required=False, lookup="placement_type"),
        Field("Målgruppe", "target_group", required=False),
        Field("Leverandør CVR", "provider_cvr", "cvr", required=False),
        Field("Leverandør", "provider_name", required=False),
        Field("Bevillingsdato", "grant_date", "date_dmy"),
        Field("Startdato", "start_date", "date_dmy"),
        Field("Slutdato", "end_date", "date_dmy", required=False),
        Field("Takst", "rate", "decimal_comma"),
        Field("Takstenhed", "rate_unit", values={"Måned": "month", "Døgn": "day"}),
        Field("Antal vederlag", "fee_count", "decimal_comma", required=False),
        Field("Betalingskommune", "paying_municipality_code", "municipality_code"),
        Field("Sagsbehandler", "caseworker_id"),
        Field("Sagsbehandlernavn", "caseworker_name"),
        Field("Enhed", "unit", required=False),
        Field("Konto", "account", "account"),
        Field("Oprettet", "registered_date", "date_dmy", required=False),
        Field("Ophørsårsag", "end_reason_code", required=False, lookup="end_reason"),
        Field("Voksenbehov vurderet", "adult_need_assessed", required=False, values={"J": "true", "N": "false"}),
    ),
    key=("acting_municipality_code", "source_grant_id"),
    rules=(END_BEFORE_START, MUNICIPALITY_MATCHES_FILE, NEGATIVE_RATE),
)

GRANTS_CONFORM = f"""
SELECT {GRANT_COLUMNS}, 'KMD' AS source_system, legal_basis_code,
       legal_basis_code__raw AS legal_basis_as_registered, registered_date
FROM typed_kmd_grants
"""

NOTIFICATIONS = Contract(
    source="kmd_notifications",
    system="KMD",
    title="KMD Børn og Voksne, underretninger",
    pattern=re.compile(r"^KMD_BV_UNDERRETNINGER_(?P<municipality>\d{4})_(?P<date>\d{8})\.csv$"),
    format="delimited",
    encoding="cp1252",
    fields=(
        Field("Kommunenr", "municipality_code", "municipality_code"),
        Field("Underretningsnr", "source_notification_id"),
        Field("CPR-nr", "cpr", "cpr"),
        Field("Modtaget", "received_date", "date_dmy"),
        Field("Underretter", "notifier_code", lookup="notifier"),
        Field("Akut", "urgent", values={"Ja": "J", "Nej": "N"}),
        Field("Vurderet", "assessed_date", "date_dmy", required=False),
    ),
    key=NOTIFICATION_KEY,
    rules=(NOTIFICATION_MUNICIPALITY, ASSESSED_BEFORE_RECEIVED),
)

SOURCES = ((GRANTS, "stg_grant", GRANTS_CONFORM),
           (NOTIFICATIONS, "stg_notification", notification_conform("KMD", "kmd_notifications")))
