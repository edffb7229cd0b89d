"""Faktabaseret budget: spent so far plus what the grants commit to 31 December, against the year's budget."""

import streamlit as st

from data_access.scope import Role
from locale_da import kroner, month_name, percent
from ui import data, operations
from ui.budget_charts import forecast_chart
from ui.filters import current
from ui.guard import page_scope
from ui.tables import show_table

scope = page_scope(Role.LEADER)
filters = current()
month, year = filters.end, filters.end.year

st.title("Faktabaseret budget")
operations.own_municipality_notice(scope, filters)
st.caption(f"Opgjort ved udgangen af {month_name(month)} (periodens sidste måned). Forbrug er bogført nettoforbrug i "
           f"{year}; disposition er, hvad de aktive bevillinger binder kommunen til frem til 31. december, som de er "
           "registreret nu.")

lines = operations.budget_by_function(scope, filters)
if lines.empty:
    st.info(f"Der er ingen budget- eller forbrugstal for {year}.")
    st.stop()

spent, committed, forecast = lines["spent_ytd"].sum(), lines["committed"].sum(), lines["forecast"].sum()
budget, over = lines["budget"].sum(), lines["over_budget"].sum()
first, second, third = st.columns(3)
first.metric("Forbrug år til dato", kroner(spent))
second.metric("Disposition resten af året", kroner(committed), help=data.kpi("K-ECO-DISPOSED").description)
third.metric("Forventet forbrug i alt", kroner(forecast))
fourth, fifth, sixth = st.columns(3)
fourth.metric("Korrigeret budget", kroner(budget))
fifth.metric("Forventet budgetforbrug", percent(100 * forecast / budget if budget else None),
             help=data.kpi("K-ECO-FORECAST-USE").description)
sixth.metric("Forventet mer- eller mindreforbrug", kroner(over),
             help=data.kpi("K-ECO-OVERUNDER").description)

st.subheader(f"Forbrug og prognose for {year}")
st.altair_chart(forecast_chart(operations.forecast_path(scope, filters)), width="stretch")
st.caption("Prognosen lægger bevillingernes disposition til forbruget måned for måned: hvad de aktive bevillinger "
           "koster frem til hver måneds udgang. I december er den årets forventede forbrug.")

st.subheader("Pr. funktion i kontoplanen")
table = lines.rename(columns={
    "function_code": "Funktion", "name": "Navn", "spent_ytd": "Forbrug år til dato",
    "committed": "Disposition resten af året", "forecast": "Forventet forbrug", "budget": "Korrigeret budget",
    "over_budget": "Forventet mer-/mindreforbrug", "forecast_use": "Forventet budgetforbrug (%)",
})
table = table[["Funktion", "Navn", "Forbrug år til dato", "Disposition resten af året", "Forventet forbrug",
               "Korrigeret budget", "Forventet mer-/mindreforbrug", "Forventet budgetforbrug (%)"]]
show_table(table, {"Forbrug år til dato": 0, "Disposition resten af året": 0, "Forventet forbrug": 0,
                   "Korrigeret budget": 0, "Forventet mer-/mindreforbrug": 0, "Forventet budgetforbrug (%)": 1},
           key="budget_functions", file_name=f"faktabaseret-budget-{month:%Y-%m}.csv")

st.subheader("Bevillinger bag merforbruget")
st.caption(f"Bevillinger, hvor der i {year} til og med {month_name(month)} er betalt mere, end den registrerede takst "
           "giver for de dage, bevillingen var aktiv; største forskel først (højst 50). Visningen logges.")
drivers = operations.overuse_drivers(scope, filters)
if drivers.empty:
    st.info("Ingen bevillinger er betalt ud over deres takst.")
else:
    drivers_table = drivers.rename(columns={
        "citizen_name": "Borger", "masked_cpr": "CPR-nr.", "case_id": "Sag", "caseworker_name": "Sagsbehandler",
        "unit": "Enhed", "function_code": "Funktion", "measure_text": "Ydelse", "provider_name": "Leverandør",
        "start_date": "Start", "end_date": "Slut", "monthly_cost": "Månedlig udgift", "spent_ytd": "Forbrug i år",
        "expected_ytd": "Forventet efter takst", "over_expected": "Over det forventede",
        "committed": "Disposition resten af året", "forecast": "Forventet forbrug",
    })[["Borger", "CPR-nr.", "Sag", "Sagsbehandler", "Enhed", "Funktion", "Ydelse", "Leverandør", "Start", "Slut",
        "Månedlig udgift", "Forbrug i år", "Forventet efter takst", "Over det forventede",
        "Disposition resten af året", "Forventet forbrug"]]
    show_table(drivers_table, {"Månedlig udgift": 0, "Forbrug i år": 0, "Forventet efter takst": 0,
                               "Over det forventede": 0, "Disposition resten af året": 0, "Forventet forbrug": 0},
               key="budget_drivers", file_name=f"merforbrug-{month:%Y-%m}.csv")
