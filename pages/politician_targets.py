"""Mål og resultater: the council's targets against the latest figures, in plain words."""

import streamlit as st

from data_access.scope import Role
from kpi.targets import Status, status
from locale_da import month_name, number
from ui import data
from ui.charts import benchmark_chart
from ui.guard import page_scope

STATUS_ICONS = {Status.ON_TRACK: ":material/check_circle:", Status.AT_RISK: ":material/warning:",
                Status.OFF_TRACK: ":material/error:"}
STATUS_COLOURS = {Status.ON_TRACK: "green", Status.AT_RISK: "orange", Status.OFF_TRACK: "red"}
COMPARISON_WORDS = {"at_most": "højst", "at_least": "mindst", "around": "omkring"}

scope = page_scope(Role.POLITICIAN)
info = data.load_info()
year = info.last_complete_month.year
own_name = data.municipality_name(scope.municipality_code)

st.title("Mål og resultater")
st.caption(f"Byrådets måltal for {year} for {own_name} Kommune, sammenholdt med de seneste tal.")

targets = data.targets(scope, year)
if not targets:
    st.info(f"Der er ikke fastsat måltal for {year}.")
    st.stop()

for target in targets:
    kpi = data.kpi(target.kpi_id)
    frame = data.benchmark(scope, kpi.id)
    this_year = frame[[p.year == year for p in frame["period"]]].dropna(subset=["own_value"])
    if this_year.empty:
        continue
    latest = this_year.iloc[-1]
    actual, group = latest["own_value"], latest["group_value"]
    state = status(kpi, target, actual)
    with st.container(border=True):
        st.subheader(kpi.name)
        st.markdown(f"### :{STATUS_COLOURS[state]}[{STATUS_ICONS[state]} {state.label}]")
        st.markdown(
            f"**{kpi.plain(number(actual, kpi.decimals))}; målet er {COMPARISON_WORDS[target.comparison]} "
            f"{number(target.value, kpi.decimals)}.**  \n"
            f"Tallet er fra {month_name(latest['period'])}. Sammenlignelige kommuner ligger på "
            f"{number(group, kpi.decimals)} {kpi.unit}.")
        if target.note:
            st.caption(target.note)
        left, right = st.columns([1, 3])
        gap = actual - target.value
        left.metric("Forskel til målet", f"{'+' if gap > 0 else ''}{number(gap, kpi.decimals)}",
                    help=f"Seneste tal minus måltallet, i {kpi.unit}.")
        right.altair_chart(benchmark_chart(frame, {"own": own_name, "group": "Sammenligningskommuner"}, kpi.unit,
                                           kpi.decimals, target=target.value), width="stretch")
