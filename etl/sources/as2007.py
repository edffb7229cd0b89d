"""CGI AS2007: grants for children and adults as XML, one <Bevilling> per grant, ISO-8859-1.

Legal bases as attributes (lov, paragraf, stk, nr), placement types as AS2007's own numeric codes,
amounts with decimal comma, ISO dates.
"""

import re

from etl.contracts import Contract, Field

from .common import (
    ASSESSED_BEFORE_RECEIVED,
    END_BEFORE_START,
    GRANT_COLUMNS,
    LEGAL_BASIS_PARTS,
    MUNICIPALITY_MATCHES_FILE,
    NEGATIVE_RATE,
    NOTIFICATION_KEY,
    NOTIFICATION_MUNICIPALITY,
    UNKNOWN_LEGAL_BASIS,
    notification_conform,
)

GRANTS = Contract(
    source="as2007_grants",
    system="AS2007",
    title="CGI AS2007, bevillinger",
    pattern=re.compile(r"^AS2007_BEVILLINGER_(?P<municipality>\d{4})_(?P<date>\d{8})\.xml$"),
    format="xml",
    encoding="iso-8859-1",
    xml_root="AS2007Udtraek",
    xml_record="Bevilling",
    fields=(
        Field("@id", "source_grant_id"),
        Field("Sag/@nummer", "case_id"),
        Field("Borger/@cpr", "cpr", "cpr"),
        Field("Lovgrundlag/@lov", "law", values={"BL": "BL", "SEL": "SEL"}),
        Field("Lovgrundlag/@paragraf", "paragraph"),
        Field("Lovgrundlag/@stk", "subsection", required=False),
        Field("Lovgrundlag/@nr", "item", required=False),
        Field("Ydelse", "measure_text"),
        Field("Anbringelsesform/@kode", "placement_type_code", required=False, lookup="placement_type"),
        Field("Maalgruppe", "target_group", required=False),
        Field("Leverandoer/@cvr", "provider_cvr", "cvr", required=False),
        Field("Leverandoer/@navn", "provider_name", required=False),
        Field("Afgoerelse/@dato", "grant_date", "date_iso"),
        Field("Periode/@fra", "start_date", "date_iso"),
        Field("Periode/@til", "end_date", "date_iso", required=False),
        Field("Takst/@beloeb", "rate", "decimal_comma"),
        Field("Takst/@enhed", "rate_unit", values={"M": "month", "D": "day"}),
        Field("Takst/@vederlag", "fee_count", "decimal", required=False),
        Field("Betalingskommune", "paying_municipality_code", "municipality_code"),
        Field("Handlekommune", "acting_municipality_code", "municipality_code"),
        Field("Sagsbehandler/@initialer", "caseworker_id"),
        Field("Sagsbehandler/@navn", "caseworker_name"),
        Field("Sagsbehandler/@enhed", "unit", required=False),
        Field("Konto", "account", "account"),
        Field("Oprettet", "registered_date", "date_iso", required=False),
        Field("Ophoer/@aarsag", "end_reason_code", required=False, lookup="end_reason"),
        Field("Overgang/@voksenbehov", "adult_need_assessed", required=False, values={"1": "true", "0": "false"}),
    ),
    key=("acting_municipality_code", "source_grant_id"),
    rules=(END_BEFORE_START, UNKNOWN_LEGAL_BASIS, MUNICIPALITY_MATCHES_FILE, NEGATIVE_RATE),
)

GRANTS_CONFORM = f"""
SELECT {GRANT_COLUMNS}, 'AS2007' AS source_system, {LEGAL_BASIS_PARTS} AS legal_basis_code,
       {LEGAL_BASIS_PARTS} AS legal_basis_as_registered, registered_date
FROM typed_as2007_grants
"""

NOTIFICATIONS = Contract(
    source="as2007_notifications",
    system="AS2007",
    title="CGI AS2007, underretninger",
    pattern=re.compile(r"^AS2007_UNDERRETNINGER_(?P<municipality>\d{4})_(?P<date>\d{8})\.xml$"),
    format="xml",
    encoding="iso-8859-1",
    xml_root="AS2007Udtraek",
    xml_record="Underretning",
    fields=(
        Field("@id", "source_notification_id"),
        Field("Handlekommune", "municipality_code", "municipality_code"),
        Field("Borger/@cpr", "cpr", "cpr"),
        Field("Modtaget/@dato", "received_date", "date_iso"),
        Field("Underretter/@kode", "notifier_code", lookup="notifier"),
        Field("Akut", "urgent", values={"J": "J", "N": "N"}),
        Field("Vurdering/@dato", "assessed_date", "date_iso", required=False),
    ),
    key=NOTIFICATION_KEY,
    rules=(NOTIFICATION_MUNICIPALITY, ASSESSED_BEFORE_RECEIVED),
)

SOURCES = ((GRANTS, "stg_grant", GRANTS_CONFORM),
           (NOTIFICATIONS, "stg_notification", notification_conform("AS2007", "as2007_notifications")))
