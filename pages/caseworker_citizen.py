"""Borger: one citizen on the caseworker's own cases - measures and payments over the sidebar's period on a
timeline, family relations and moves from CPR, and the full CPR number on an explicit, logged click."""

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from data_access.scope import AccessDenied, Role
from locale_da import kroner, long_date, month_label, number
from ui import cases as case_data
from ui import data, filters
from ui.charts import DANISH_LOCALE
from ui.guard import page_scope
from ui.tables import show_table

PARAM_CITIZEN = "borger"
SEX_LABELS = {"K": "kvinde", "M": "mand"}
AREA_LABELS = {"children": "Børn og unge", "adults": "Voksne"}

scope = page_scope(Role.CASEWORKER)
chosen = filters.current()
citizens = case_data.my_citizens(scope).set_index("citizen_key")
requested = st.query_params.get(PARAM_CITIZEN)

st.title("Borger")
options = list(citizens.index)
picked = st.selectbox("Borger", options, index=options.index(requested) if requested in options else None,
                      placeholder="Vælg en af dine borgere",
                      format_func=lambda key: f"{citizens.at[key, 'name']} ({citizens.at[key, 'masked_cpr']})")
if picked is not None and picked != requested:
    st.query_params[PARAM_CITIZEN] = picked
    st.rerun()
if requested is None:
    st.info("Vælg en borger fra dine sager for at se foranstaltninger, betalinger, familie og flytninger.")
    st.stop()

# Whatever the link says, data_access answers only for the caseworker's own citizens (and logs the attempt).
try:
    person = case_data.citizen_file(scope, requested, chosen.start, chosen.end)
except AccessDenied as refused:
    st.error(str(refused))
    st.stop()


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


st.subheader(person.name)
sex = SEX_LABELS.get(person.sex, person.sex)
age = age_on(person.birth_date, data.load_info().data_as_of)
st.markdown(f"CPR-nr. **{person.masked_cpr}** · født {long_date(person.birth_date)} ({age} år, {sex}) · "
            f"bopæl ifølge CPR: {person.residence or 'ukendt'}")
if st.button("Vis CPR-nr.", icon=":material/visibility:", key="reveal_cpr",
             help="Viser det fulde CPR-nummer. Opslaget skrives i logbogen med dit navn og tidspunktet."):
    st.success(f"CPR-nr.: **{case_data.reveal_cpr(scope, requested)}**  \nOpslaget er skrevet i logbogen.")

period_from, period_to = pd.Timestamp(chosen.start), pd.Timestamp(chosen.end) + pd.offsets.MonthEnd(0)
st.caption(f"Foranstaltninger og betalinger i {month_label(chosen.start)} - {month_label(chosen.end)} (periodevalget "
           "i sidepanelet), kun bevillinger og betalinger i din egen kommune.")
first, second, third = st.columns(3)
first.metric("Bevillinger i perioden", number(len(person.grants)))
second.metric("Betalt i perioden", kroner(person.payments["amount"].sum()))
third.metric("Heraf dine bevillinger", number(int(person.grants["is_mine"].sum())))

if person.grants.empty and person.payments.empty:
    st.info("Borgeren har ingen bevillinger eller betalinger i perioden.")
else:
    bars = person.grants.assign(
        shown_from=pd.to_datetime(person.grants["start_date"]).clip(lower=period_from),
        shown_to=pd.to_datetime(person.grants["end_date"]).fillna(period_to).clip(upper=period_to),
        area_label=person.grants["area"].map(AREA_LABELS).fillna("Andet"),
        start_text=pd.to_datetime(person.grants["start_date"]).dt.strftime("%d.%m.%Y"),
        end_text=pd.to_datetime(person.grants["end_date"]).dt.strftime("%d.%m.%Y").fillna("åben"),
    )
    scale = alt.Scale(domain=[period_from.isoformat(), period_to.isoformat()])
    timeline = alt.Chart(bars).mark_bar(cornerRadius=3, height=16).encode(
        x=alt.X("shown_from:T", title=None, scale=scale, axis=alt.Axis(format="%b %Y", labelAngle=0)),
        x2="shown_to:T",
        y=alt.Y("measure_text:N", title=None, sort=alt.SortField("shown_from"), axis=alt.Axis(labelLimit=260)),
        color=alt.Color("area_label:N", title="Område", legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("measure_text:N", title="Ydelse"), alt.Tooltip("legal_basis_code:N", title="Paragraf"),
                 alt.Tooltip("start_text:N", title="Start"), alt.Tooltip("end_text:N", title="Slut"),
                 alt.Tooltip("caseworker_name:N", title="Sagsbehandler")],
    ).properties(height=max(60, 28 * bars["measure_text"].nunique()), title="Foranstaltninger")
    payments = person.payments.assign(month=pd.to_datetime(person.payments["month"]))
    paid = alt.Chart(payments).mark_bar().encode(
        x=alt.X("yearmonth(month):T", title=None, scale=scale, axis=alt.Axis(format="%b %Y", labelAngle=0)),
        y=alt.Y("sum(amount):Q", title="Betalt (kr.)", axis=alt.Axis(format=",.0f")),
        color=alt.Color("measure_text:N", title="Betaling for",
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=320)),
        tooltip=[alt.Tooltip("yearmonth(month):T", title="Måned", format="%B %Y"),
                 alt.Tooltip("measure_text:N", title="Betaling for"),
                 alt.Tooltip("sum(amount):Q", title="Beløb (kr.)", format=",.2f")],
    ).properties(height=180, title="Betalinger pr. måned")
    st.altair_chart(alt.vconcat(timeline, paid).resolve_scale(color="independent").configure(locale=DANISH_LOCALE),
                    width="stretch")

st.subheader("Foranstaltninger")
show_table(person.grants.assign(
    area=person.grants["area"].map(AREA_LABELS).fillna(person.grants["area"]),
    rate_unit=person.grants["rate_unit"].map({"month": "pr. måned", "day": "pr. døgn"}),
    is_mine=person.grants["is_mine"].map({True: "Ja", False: "Nej"}),
).rename(columns={
    "area": "Område", "measure_text": "Ydelse", "legal_basis_code": "Paragraf", "legal_basis_text": "Lovgrundlag",
    "placement_type": "Anbringelsesform", "provider_name": "Leverandør", "grant_date": "Bevilget",
    "start_date": "Start", "end_date": "Slut", "rate": "Takst", "rate_unit": "Takstenhed",
    "monthly_cost": "Månedlig udgift",
    "caseworker_name": "Sagsbehandler", "paying_municipality": "Betalingskommune", "is_mine": "Din sag",
})[["Område", "Ydelse", "Paragraf", "Lovgrundlag", "Anbringelsesform", "Leverandør", "Bevilget", "Start", "Slut",
    "Takst", "Takstenhed", "Månedlig udgift", "Sagsbehandler", "Betalingskommune", "Din sag"]],
    {"Takst": 2, "Månedlig udgift": 0}, key="citizen_grants", file_name="borger-foranstaltninger.csv")

st.subheader("Betalinger pr. måned")
show_table(person.payments.rename(columns={
    "month": "Måned", "measure_text": "Betaling for", "amount": "Beløb", "postings": "Posteringer"})[
    ["Måned", "Betaling for", "Beløb", "Posteringer"]], {"Beløb": 2}, key="citizen_payments",
    file_name="borger-betalinger.csv")

st.subheader("Familie ifølge CPR")
show_table(person.relations.rename(columns={
    "relation": "Relation", "name": "Navn", "masked_cpr": "CPR-nr.", "birth_date": "Født", "residence": "Bopæl",
    "moved_in": "Tilflyttet"})[["Relation", "Navn", "CPR-nr.", "Født", "Bopæl", "Tilflyttet"]],
    key="citizen_family", file_name="borger-familie.csv")

st.subheader("Flytninger ifølge CPR")
st.caption("Borgerens og forældrenes adresser; et barns betalingskommune følger som regel forældrenes bopæl.")
show_table(person.moves.rename(columns={
    "person": "Hvem", "municipality": "Kommune", "moved_in": "Tilflyttet", "moved_out": "Fraflyttet"})[
    ["Hvem", "Kommune", "Tilflyttet", "Fraflyttet"]], key="citizen_moves", file_name="borger-flytninger.csv")
