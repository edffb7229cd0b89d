"""Effekt og økonomi: how citizens' scores move after a measure starts, beside what the measure costs."""

import streamlit as st

from data_access.effect import EFFECT_GROUPINGS
from data_access.providers import GROUPINGS, MIN_PERSONS
from data_access.scope import Role
from locale_da import month_name, number
from ui import data, operations
from ui.budget_charts import effect_cost_chart
from ui.filters import current
from ui.guard import page_scope
from ui.tables import show_table

INSTRUMENTS = {  # instrument → Danish heading, what the change is, which KPIs
    "TRIVSEL": ("Børn og unge: trivsel", "Ændring i trivsel (0-10, højere er bedre)", "K-EFF-WELL-6", "K-EFF-WELL-12"),
    "VUM": ("Voksne: funktionsniveau", "Ændring i funktionsniveau (0-4, lavere er bedre)", "K-EFF-VUM-6",
            "K-EFF-VUM-12"),
}

scope = page_scope(Role.LEADER)
filters = current()

st.title("Effekt og økonomi")
operations.own_municipality_notice(scope, filters)
st.caption(f"Målepunkter, der falder i {month_name(filters.start)} – {month_name(filters.end)}: borgere målt ved "
           "indsatsens start og igen efter 6 eller 12 måneder, og hvad en helårsperson koster i samme periode. "
           f"Gennemsnit over færre end {MIN_PERSONS} målte borgere vises ikke.")

by = st.segmented_control("Opdel efter", list(EFFECT_GROUPINGS), default="measure_group", key="effect_grouping",
                          format_func=lambda key: GROUPINGS[key].label) or "measure_group"
frame = operations.effect_beside_cost(scope, filters, by)


def kpi_metric(column, kpi_id: str) -> None:
    kpi = data.kpi(kpi_id)
    figure = operations.kpi_over_period(scope, kpi_id, filters.start, filters.end)
    enough = figure.denominator >= MIN_PERSONS
    column.metric(kpi.name, f"{number(figure.value, kpi.decimals)} {kpi.unit}" if enough else "–",
                  delta=f"{number(figure.denominator)} borgere målt", delta_color="off", delta_arrow="off",
                  help=kpi.description)


for instrument, (heading, change_title, six, twelve) in INSTRUMENTS.items():
    part = frame[frame["instrument"] == instrument]
    if part.empty:
        continue
    st.subheader(heading)
    left, right = st.columns(2)
    kpi_metric(left, six)
    kpi_metric(right, twelve)
    st.altair_chart(effect_cost_chart(part, "Gns. ændring efter 6 mdr. (point)", 6), width="stretch")
    st.caption(f"{change_title}. Hver prik er en gruppe; jo større prik, jo flere målte borgere.")
    table = part.rename(columns={
        "label": GROUPINGS[by].label, "citizens_6": "Målt efter 6 mdr.", "change_6": "Ændring efter 6 mdr.",
        "citizens_12": "Målt efter 12 mdr.", "change_12": "Ændring efter 12 mdr.", "citizens": "Borgere i alt",
        "full_year_persons": "Helårspersoner", "spend": "Udbetalt (kr.)",
        "price_per_full_year_person": "Udgift pr. helårsperson (kr.)",
    })[[GROUPINGS[by].label, "Målt efter 6 mdr.", "Ændring efter 6 mdr.", "Målt efter 12 mdr.",
        "Ændring efter 12 mdr.", "Borgere i alt", "Helårspersoner", "Udbetalt (kr.)", "Udgift pr. helårsperson (kr.)"]]
    show_table(table, {"Målt efter 6 mdr.": 0, "Ændring efter 6 mdr.": 2, "Målt efter 12 mdr.": 0,
                       "Ændring efter 12 mdr.": 2, "Borgere i alt": 0, "Helårspersoner": 1, "Udbetalt (kr.)": 0,
                       "Udgift pr. helårsperson (kr.)": 0},
               key=f"effect_{instrument}", file_name=f"effekt-{instrument.lower()}-{by}-{filters.end:%Y-%m}.csv")

if frame.empty:
    st.info("Der er ingen effektmålinger i den valgte periode.")

stepdown = data.kpi("K-EFF-STEPDOWN")
figure = operations.kpi_over_period(scope, "K-EFF-STEPDOWN", filters.start, filters.end)
st.subheader("Indsatstrappen")
st.metric(stepdown.name, f"{number(figure.value, stepdown.decimals)} {stepdown.unit}"
          if figure.denominator >= MIN_PERSONS else "–",
          delta=f"af {number(figure.denominator)} borgere, der startede for et år siden", delta_color="off",
          delta_arrow="off",
          help=stepdown.description)
