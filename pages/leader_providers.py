"""Leverandører og enheder: the municipality's own providers, placement types, measure types and units side by side."""

import streamlit as st

from data_access.providers import GROUPINGS, MIN_PERSONS
from data_access.scope import Role
from locale_da import kroner, month_name, number
from ui import operations
from ui.filters import current
from ui.guard import page_scope
from ui.tables import show_table

scope = page_scope(Role.LEADER)
filters = current()

st.title("Leverandører og enheder")
operations.own_municipality_notice(scope, filters)
st.caption(f"{month_name(filters.start)} – {month_name(filters.end)}. Borgere med en aktiv indsats, som kommunen "
           "betaler for; udbetalt er de bogførte betalinger til bevillingerne i periodens måneder.")

by = st.segmented_control("Opdel efter", list(GROUPINGS), default="provider", key="provider_grouping",
                          format_func=lambda key: GROUPINGS[key].label) or "provider"
frame = operations.provider_comparison(scope, filters, by)
if frame.empty:
    st.info("Der er ingen indsatser i den valgte periode.")
    st.stop()

full_year_persons, spend = frame["full_year_persons"].sum(), frame["spend"].sum()
first, second, third, fourth = st.columns([1, 1, 1.5, 1.2])
first.metric("Borgere", number(frame.attrs["citizens"]),
             help="Forskellige borgere i perioden. Grupperne summer ikke til dette tal, for en borger kan få "
                  "indsatser fra flere.")
second.metric("Helårspersoner", number(full_year_persons, 1),
              help="Dage med en aktiv indsats divideret med periodens dage (som K-ECO-HY-TOTAL).")
third.metric("Udbetalt", kroner(spend))
fourth.metric("Pris pr. helårsperson", kroner(spend / full_year_persons if full_year_persons else None))

grouping = GROUPINGS[by]
shown = [("label", grouping.label, None), ("citizens", "Borgere", 0), ("full_year_persons", "Helårspersoner", 1),
         ("spend", "Udbetalt (kr.)", 0), ("price_per_full_year_person", "Pris pr. helårsperson (kr.)", 0)]
if grouping.column is not None:
    shown += [("TRIVSEL_6_change", "Trivsel: ændring efter 6 mdr.", 2), ("TRIVSEL_6_citizens", "Trivsel: målte", 0),
              ("VUM_6_change", "Funktionsniveau: ændring efter 6 mdr.", 2),
              ("VUM_6_citizens", "Funktionsniveau: målte", 0)]
columns = {source: label for source, label, _ in shown}
decimals = {label: places for _, label, places in shown if places is not None}
table = frame.rename(columns=columns)[list(columns.values())]
show_table(table, decimals, key="provider_table", file_name=f"leverandoerer-{by}-{filters.end:%Y-%m}.csv")

with st.expander("Sådan læses tabellen"):
    st.markdown(
        "- **Helårspersoner**: summen af dage med en aktiv indsats divideret med periodens dage. En borger tælles "
        "hos den leverandør, hvis bevilling var aktiv flest dage i måneden.\n"
        "- **Udbetalt**: bogførte betalinger i periodens måneder til bevillinger hos leverandøren; betalinger, "
        "der ikke kan knyttes til en bevilling, indgår ikke.\n"
        "- **Pris pr. helårsperson**: udbetalt divideret med helårspersoner.\n"
        "- **Ændring efter 6 måneder**: gennemsnitlig ændring i score fra indsatsens start til et halvt år efter, "
        "for de borgere, der er målt begge gange (trivsel 0-10, højere er bedre; funktionsniveau 0-4, lavere "
        f"er bedre). Gennemsnit over færre end {MIN_PERSONS} målte borgere vises ikke."
        + ("\n- Effekt kan ikke opdeles på sagsbehandlerens enhed." if grouping.column is None else ""))
