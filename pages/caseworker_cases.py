"""Mine sager: the caseworker's active grants with rate, spend so far, commitment to year end and over- or
under-use, summed up to their total and set beside the area's (the municipality's aggregates)."""

import streamlit as st

from data_access.scope import Role
from locale_da import kroner, long_date, month_name, number, percent
from ui import cases as case_data
from ui import data, filters
from ui.guard import page_scope
from ui.tables import show_table

CITIZEN_PAGE = "pages/caseworker_citizen.py"
GRANT_AREA_LABELS = {"children": "børn og unge", "adults": "voksne"}

scope = page_scope(Role.CASEWORKER)
chosen = filters.current()
info = data.load_info()
cases = case_data.my_cases(scope, chosen.area)
year = info.last_complete_month.year

st.title("Mine sager")
narrowed = f" Kun sager om {GRANT_AREA_LABELS[chosen.area]}." if chosen.area in GRANT_AREA_LABELS else ""
st.caption(f"Aktive bevillinger pr. {long_date(info.data_as_of)}, hvor du er sagsbehandler.{narrowed} "
           "Forbrug er bogførte betalinger; disponeret er den månedlige udgift frem til 31. december; "
           "mer- eller mindreforbrug er forbruget i år minus den månedlige udgift for de dage, bevillingen har "
           "været aktiv i år. CPR-numre vises maskeret; det fulde nummer ses på borgersiden (hvert opslag logges).")

if cases.empty:
    st.info("Du har ingen aktive bevillinger.")
    st.stop()

first, second, third = st.columns(3)
first.metric("Borgere", number(cases["citizen_key"].nunique()))
second.metric("Aktive bevillinger", number(len(cases)))
third.metric(f"Forbrug i {year}", kroner(cases["spent_this_year"].sum()))
first, second, _ = st.columns(3)
first.metric("Disponeret resten af året", kroner(cases["committed_rest_of_year"].sum()))
second.metric("Mer-/mindreforbrug i år", kroner(cases["over_under_use"].sum()),
              help="Positivt: der er betalt mere end bevillingernes månedlige udgift for dagene i år. "
                   "Negativt: mindre, fx fordi betalingerne er stoppet.")

table = cases.assign(
    unit=cases["rate_unit"].map({"month": "pr. måned", "day": "pr. døgn"}),
).rename(columns={
    "citizen_name": "Borger", "masked_cpr": "CPR-nr.", "measure_text": "Ydelse", "legal_basis_code": "Paragraf",
    "legal_basis_text": "Lovgrundlag", "placement_type": "Anbringelsesform", "provider_name": "Leverandør",
    "grant_date": "Bevilget", "start_date": "Start", "end_date": "Slut", "rate": "Takst", "unit": "Takstenhed",
    "fee_count": "Vederlag (antal)", "monthly_cost": "Månedlig udgift", "spent_this_year": "Forbrug i år",
    "spent_total": "Forbrug i alt", "committed_rest_of_year": "Disponeret resten af året",
    "expected_this_year": "Forventet forbrug i år", "over_under_use": "Mer-/mindreforbrug",
})[["Borger", "CPR-nr.", "Ydelse", "Paragraf", "Lovgrundlag", "Anbringelsesform", "Leverandør", "Bevilget", "Start",
    "Slut", "Takst", "Takstenhed", "Vederlag (antal)", "Månedlig udgift", "Forbrug i år", "Forventet forbrug i år",
    "Mer-/mindreforbrug", "Forbrug i alt", "Disponeret resten af året"]]

show_table(table, {"Takst": 2, "Vederlag (antal)": 1, "Månedlig udgift": 0, "Forbrug i år": 0,
                   "Forventet forbrug i år": 0, "Mer-/mindreforbrug": 0, "Forbrug i alt": 0,
                   "Disponeret resten af året": 0},
           key="my_cases", file_name=f"mine-sager-{info.data_as_of:%Y-%m-%d}.csv")

st.subheader("Åbn en borger")
citizens = cases.drop_duplicates("citizen_key").set_index("citizen_key")
picked = st.selectbox("Borger", list(citizens.index), index=None, placeholder="Vælg en af dine borgere",
                      format_func=lambda key: f"{citizens.at[key, 'citizen_name']} ({citizens.at[key, 'masked_cpr']})",
                      key="open_citizen")
if picked is not None:
    st.page_link(CITIZEN_PAGE, label=f"Åbn borgersiden for {citizens.at[picked, 'citizen_name']}",
                 icon=":material/person:", query_params={"borger": picked})

st.subheader("Dit forbrug og områdets")
st.caption(f"Dine bevillinger lagt sammen pr. kontofunktion og stillet ved siden af hele "
           f"{data.municipality_name(scope.municipality_code)} Kommunes tal for de samme funktioner, opgjort efter "
           f"betalingskommune til og med {month_name(info.last_complete_month)} (samlede tal, ingen personer).")
summary = case_data.mine_beside_area(scope, cases)
total = summary.iloc[[-1]]

area_mine, area_all = st.columns(2)
area_mine.metric(f"Mit forventede forbrug {year}", kroner(total.iloc[0]["forecast_mine"]),
                 help="Forbrug i år plus disponeret resten af året, for dine aktive bevillinger.")
area_all.metric(f"Områdets forventede forbrug {year}", kroner(total.iloc[0]["forecast_area"]),
                f"{percent(total.iloc[0]['share'])} er dine sager", delta_color="off", delta_arrow="off",
                help="Kommunens forbrug i år plus disponeret resten af året på de samme kontofunktioner.")
show_table(summary.rename(columns={
    "function_name": "Funktion", "spent_this_year_mine": "Mit forbrug i år",
    "committed_rest_of_year_mine": "Min disponering", "forecast_mine": "Mit forventede årsforbrug",
    "spent_this_year": "Områdets forbrug i år", "committed_rest_of_year": "Områdets disponering",
    "forecast_area": "Områdets forventede årsforbrug", "budget_full_year": "Områdets budget",
    "share": "Min andel (%)",
})[["Funktion", "Mit forbrug i år", "Min disponering", "Mit forventede årsforbrug", "Områdets forbrug i år",
    "Områdets disponering", "Områdets forventede årsforbrug", "Områdets budget", "Min andel (%)"]],
    {"Mit forbrug i år": 0, "Min disponering": 0, "Mit forventede årsforbrug": 0, "Områdets forbrug i år": 0,
     "Områdets disponering": 0, "Områdets forventede årsforbrug": 0, "Områdets budget": 0, "Min andel (%)": 1},
    key="my_area", file_name=f"mine-sager-og-omraadet-{info.data_as_of:%Y-%m-%d}.csv")
