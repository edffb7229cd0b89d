"""Betalingskommune: the caseworker's own grants where CPR's residence history points to another paying
municipality than the one registered, with the money at stake (F-UBV-PAYMUNI)."""

import streamlit as st

from data_access.scope import Role
from locale_da import kroner, long_date, number
from ui import cases as case_data
from ui import data
from ui.guard import page_scope
from ui.tables import show_table

CITIZEN_PAGE = "pages/caseworker_citizen.py"

scope = page_scope(Role.CASEWORKER)
info = data.load_info()
findings = case_data.paying_findings(scope)
own_name = data.municipality_name(scope.municipality_code)

st.title("Tjek af betalingskommune")
st.caption(f"Dine bevillinger pr. {long_date(info.data_as_of)}, hvor bopælen i CPR (for et barn moderens, ellers "
           "faderens) på bevillingens sidste dag - eller i dag, hvis den stadig løber - ligger i en anden kommune end "
           "den registrerede betalingskommune. Beløbet på spil er det, der er betalt på bevillingen siden "
           "tilflytningen, og som kan kræves refunderet (mellemkommunal refusion) eller skal rettes.")

if findings.empty:
    st.success("Betalingskommunen stemmer med CPR på alle dine bevillinger.")
    st.stop()


def next_step(row) -> str:
    if row["direction"] == "recover":
        return f"Kræv refusion hos {row['residence']} Kommune"
    if row["direction"] == "owe":
        return f"{own_name} Kommune er betalingskommune ifølge CPR: ret registreringen"
    return f"Ret betalingskommunen til {row['residence'] or 'bopælskommunen'}"


first, second, third = st.columns(3)
first.metric("Bevillinger med afvigelse", number(len(findings)))
second.metric("Beløb på spil i alt", kroner(findings["amount_at_stake"].sum()))
third.metric("Kan kræves refunderet", kroner(findings.loc[findings["direction"] == "recover", "amount_at_stake"].sum()),
             help=f"Hvor {own_name} Kommune er registreret som betalingskommune, men CPR peger på en anden kommune.")

table = findings.assign(next_step=findings.apply(next_step, axis=1))
show_table(table.rename(columns={
    "name": "Borger", "masked_cpr": "CPR-nr.", "measure_text": "Ydelse", "legal_basis_code": "Paragraf",
    "start_date": "Start", "end_date": "Slut", "registered_paying": "Registreret betalingskommune",
    "resident": "Bopæl for", "residence": "Bopælskommune ifølge CPR", "moved_in": "Tilflyttet",
    "amount_at_stake": "Beløb på spil", "next_step": "Næste skridt",
})[["Borger", "CPR-nr.", "Ydelse", "Paragraf", "Start", "Slut", "Registreret betalingskommune", "Bopæl for",
    "Bopælskommune ifølge CPR", "Tilflyttet", "Beløb på spil", "Næste skridt"]],
    {"Beløb på spil": 2}, key="paying_findings", file_name=f"betalingskommune-{info.data_as_of:%Y-%m-%d}.csv")

people = findings.drop_duplicates("citizen_key").set_index("citizen_key")
picked = st.selectbox("Åbn en borger", list(people.index), index=None, placeholder="Vælg en borger fra listen",
                      format_func=lambda key: f"{people.at[key, 'name']} ({people.at[key, 'masked_cpr']})")
if picked is not None:
    st.page_link(CITIZEN_PAGE, label=f"Åbn borgersiden for {people.at[picked, 'name']}", icon=":material/person:",
                 query_params={"borger": picked})
