"""Mine sager: the caseworker's active grants with rate, spend so far and commitment to year end."""

import streamlit as st

from data_access.scope import Role
from locale_da import kroner, long_date, number
from ui import data
from ui.guard import page_scope
from ui.tables import show_table

scope = page_scope(Role.CASEWORKER)
info = data.load_info()
cases = data.my_cases(scope)

st.title("Mine sager")
st.caption(f"Aktive bevillinger pr. {long_date(info.data_as_of)}, hvor du er sagsbehandler. "
           f"Forbrug er bogførte betalinger; disponeret er den månedlige udgift frem til 31. december.")

if cases.empty:
    st.info("Du har ingen aktive bevillinger.")
    st.stop()

first, second, third, fourth = st.columns(4)
first.metric("Borgere", number(cases["citizen_key"].nunique()))
second.metric("Aktive bevillinger", number(len(cases)))
third.metric(f"Forbrug i {info.last_complete_month.year}", kroner(cases["spent_this_year"].sum()))
fourth.metric("Disponeret resten af året", kroner(cases["committed_rest_of_year"].sum()))

table = cases.assign(
    unit=cases["rate_unit"].map({"month": "pr. måned", "day": "pr. døgn"}),
).rename(columns={
    "citizen_name": "Borger", "masked_cpr": "CPR-nr.", "measure_text": "Ydelse", "legal_basis_code": "Paragraf",
    "placement_type": "Anbringelsesform", "provider_name": "Leverandør", "grant_date": "Bevilget",
    "start_date": "Start", "end_date": "Slut", "rate": "Takst", "unit": "Takstenhed",
    "monthly_cost": "Månedlig udgift", "spent_this_year": "Forbrug i år", "spent_total": "Forbrug i alt",
    "committed_rest_of_year": "Disponeret resten af året",
})[["Borger", "CPR-nr.", "Ydelse", "Paragraf", "Anbringelsesform", "Leverandør", "Bevilget", "Start", "Slut",
    "Takst", "Takstenhed", "Månedlig udgift", "Forbrug i år", "Forbrug i alt", "Disponeret resten af året"]]

show_table(table, {"Takst": 2, "Månedlig udgift": 0, "Forbrug i år": 0, "Forbrug i alt": 0,
                   "Disponeret resten af året": 0},
           key="my_cases", file_name=f"mine-sager-{info.data_as_of:%Y-%m-%d}.csv")
