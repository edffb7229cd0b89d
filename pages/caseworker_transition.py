"""Overgang 16-19 år: young people on the caseworker's own cases with a children's measure, whether an adult
case follows it, and the gap between them (F-KOM-TRANSITION)."""

import streamlit as st

from data_access.scope import Role
from data_access.transition import STATUS_ADULT_CASE, STATUS_ENDED_WITHOUT, STATUS_GAP, STATUS_NO_ADULT_YET
from locale_da import long_date, number
from ui import cases as case_data
from ui import data
from ui.guard import page_scope
from ui.tables import show_table

CITIZEN_PAGE = "pages/caseworker_citizen.py"
STATUS_HELP = {
    STATUS_NO_ADULT_YET: "Børnesagen kører stadig, og der er ingen voksensag endnu.",
    STATUS_ENDED_WITHOUT: "Børnesagen er slut, og der er ingen voksensag.",
    STATUS_GAP: "Voksensagen startede først nogle dage efter, at børnesagen sluttede.",
    STATUS_ADULT_CASE: "Voksensagen starter i forlængelse af børnesagen eller overlapper den.",
}

scope = page_scope(Role.CASEWORKER)
info = data.load_info()
young = case_data.transitions(scope)
young["adult_need_assessed"] = young["adult_need_assessed"].map({True: "Ja", False: "Nej"})

st.title("Overgang 16-19 år")
st.caption(f"Unge på 16-19 år pr. {long_date(info.data_as_of)} på dine sager, som har haft en foranstaltning efter "
           "børnereglerne efter deres 16-års fødselsdag, og om der er en voksensag i kommunen. Hul: dage mellem "
           "børnesagens sidste dag og voksensagens første. Voksenbehov vurderet: om børnesagen angiver, at den unge "
           "vurderes at få brug for støtte som voksen. Sorteret efter 18-års fødselsdag.")

if young.empty:
    st.info("Ingen af dine borgere er 16-19 år med en foranstaltning efter børnereglerne.")
    st.stop()

counts = young["status"].value_counts()
columns = st.columns(len(STATUS_HELP))
for column, (status, explanation) in zip(columns, STATUS_HELP.items(), strict=True):
    column.metric(status, number(int(counts.get(status, 0))), help=explanation)

shown_statuses = st.multiselect("Vis", list(STATUS_HELP), default=list(STATUS_HELP), key="transition_status")
shown = young[young["status"].isin(shown_statuses)]
show_table(shown.rename(columns={
    "name": "Borger", "masked_cpr": "CPR-nr.", "age": "Alder", "turns_18": "Fylder 18", "days_to_18": "Dage til 18",
    "status": "Status", "gap_days": "Hul (dage)", "adult_need_assessed": "Voksenbehov vurderet",
    "children_measure": "Børneforanstaltning",
    "children_legal_basis": "Paragraf (barn)", "children_start": "Start (barn)", "children_end": "Slut (barn)",
    "children_caseworker": "Sagsbehandler (barn)", "adult_measure": "Voksenforanstaltning",
    "adult_legal_basis": "Paragraf (voksen)", "adult_start": "Start (voksen)", "adult_end": "Slut (voksen)",
    "adult_caseworker": "Sagsbehandler (voksen)",
})[["Borger", "CPR-nr.", "Alder", "Fylder 18", "Dage til 18", "Status", "Hul (dage)", "Voksenbehov vurderet",
    "Børneforanstaltning",
    "Paragraf (barn)", "Start (barn)", "Slut (barn)", "Sagsbehandler (barn)", "Voksenforanstaltning",
    "Paragraf (voksen)", "Start (voksen)", "Slut (voksen)", "Sagsbehandler (voksen)"]],
    {"Hul (dage)": 0}, key="transitions", file_name=f"overgang-16-19-{info.data_as_of:%Y-%m-%d}.csv")

people = shown.set_index("citizen_key")
picked = st.selectbox("Åbn en ung", list(people.index), index=None, placeholder="Vælg en ung fra listen",
                      format_func=lambda key: f"{people.at[key, 'name']} ({people.at[key, 'masked_cpr']})")
if picked is not None:
    st.page_link(CITIZEN_PAGE, label=f"Åbn borgersiden for {people.at[picked, 'name']}", icon=":material/person:",
                 query_params={"borger": picked})
