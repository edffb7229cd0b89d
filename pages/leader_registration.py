"""Registreringspraksis: the data-quality KPIs per source system, unit and caseworker, and the grants to put right."""

import streamlit as st

from data_access.registration import FINDINGS
from data_access.scope import Role
from locale_da import month_name, number, percent
from ui import data, operations
from ui.filters import current
from ui.guard import page_scope
from ui.tables import show_table

GROUPS = {"source_system": "Fagsystem", "unit": "Enhed", "caseworker": "Sagsbehandler"}
KPIS = ("K-DQ-MISSING", "K-DQ-LATE", "K-ECO-REIMB-GAP")

scope = page_scope(Role.LEADER)
filters = current()

st.title("Registreringspraksis")
operations.own_municipality_notice(scope, filters)
st.caption(f"{month_name(filters.start)} – {month_name(filters.end)}, bevillinger hvor kommunen er handlekommune. "
           "Fund rettes i fagsystemet; Overblik viser registreringerne, som de er.")

for column, kpi_id in zip(st.columns(len(KPIS)), KPIS, strict=True):
    kpi = data.kpi(kpi_id)
    figure = operations.kpi_over_period(scope, kpi_id, filters.start, filters.end)
    column.metric(kpi.name, percent(figure.value, kpi.decimals), help=kpi.description)

by = st.segmented_control("Opdel efter", list(GROUPS), default="source_system", key="registration_grouping",
                          format_func=GROUPS.get) or "source_system"
practice = operations.registration_practice(scope, filters, by)
shown = [("label", GROUPS[by], None), ("active_per_month", "Aktive bevillinger (gns. pr. måned)", 1),
         ("missing_share", "Manglende oplysninger (%)", 1), ("started", "Startede bevillinger", 0),
         ("late_share", "Registreret for sent (%)", 1), ("mismatch_share", "Tvivlsom betalingskommune (%)", 1),
         ("double_payment_share", "Mulig dobbeltbetaling (%)", 1)]
if by == "caseworker":
    shown.insert(1, ("unit", "Enhed", None))
table = practice.rename(columns={source: label for source, label, _ in shown})[[label for _, label, _ in shown]]
show_table(table, {label: places for _, label, places in shown if places is not None}, key="registration_practice",
           file_name=f"registreringspraksis-{by}-{filters.end:%Y-%m}.csv")

st.subheader("Bevillinger, der skal rettes")
st.caption("Fund på bevillinger, der var aktive i perioden (for sen registrering: startet i perioden). "
           "Visningen logges.")
rows = operations.rows_to_fix(scope, filters)
finding = st.selectbox("Fund", ["alle", *FINDINGS], key="registration_finding",
                       format_func=lambda code: "Alle fund" if code == "alle" else FINDINGS[code])
if finding != "alle":
    rows = rows[rows["flag_code"] == finding]
st.markdown(f"**{number(len(rows))} fund** på {number(rows['grant_key'].nunique())} bevillinger.")
rows_table = rows.rename(columns={
    "finding": "Fund", "detail": "Detalje", "amount_at_stake": "Beløb (kr.)", "caseworker_name": "Sagsbehandler",
    "unit": "Enhed", "source_system": "Fagsystem", "case_id": "Sag", "source_grant_id": "Bevilling",
    "citizen_name": "Borger", "masked_cpr": "CPR-nr.", "measure_text": "Ydelse", "provider_name": "Leverandør",
    "start_date": "Start", "end_date": "Slut", "registered_date": "Registreret",
})[["Fund", "Detalje", "Beløb (kr.)", "Sagsbehandler", "Enhed", "Fagsystem", "Sag", "Bevilling", "Borger", "CPR-nr.",
    "Ydelse", "Leverandør", "Start", "Slut", "Registreret"]]
show_table(rows_table, {"Beløb (kr.)": 0}, key="registration_rows",
           file_name=f"registreringer-der-skal-rettes-{filters.end:%Y-%m}.csv")
