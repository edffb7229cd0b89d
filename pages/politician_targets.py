"""Mål og resultater: the council's targets against the figures, in plain words, beside the comparison group.

Reads the sidebar's municipality, period and area: the targets are those of the period's last year,
the actual figure the newest month of that year within the period. Aggregates only, never a person.
"""

import pandas as pd
import streamlit as st

from data_access.scope import Role
from kpi.catalogue import Direction
from kpi.targets import Status, status
from locale_da import month_label, month_name, number
from ui import data, filters, politician
from ui.charts import benchmark_chart
from ui.guard import page_scope
from ui.tables import show_table

STATUS_ICONS = {Status.ON_TRACK: ":material/check_circle:", Status.AT_RISK: ":material/warning:",
                Status.OFF_TRACK: ":material/error:"}
STATUS_COLOURS = {Status.ON_TRACK: "green", Status.AT_RISK: "orange", Status.OFF_TRACK: "red"}
COMPARISON_WORDS = {"at_most": "højst", "at_least": "mindst", "around": "omkring"}
TREND_COLOURS = {Direction.LOWER_BETTER: "inverse", Direction.HIGHER_BETTER: "normal"}
TREND_MONTHS = 12

scope = page_scope(Role.POLITICIAN)
chosen = filters.current()
municipality = chosen.municipality_code
name = data.municipality_name(municipality)
year = chosen.end.year

st.title("Mål og resultater")
st.caption(f"Byrådets måltal for {year} for {name} Kommune, sammenholdt med tallene fra {month_label(chosen.start)} "
           f"til {month_label(chosen.end)} og med sammenlignelige kommuner. Kun samlede tal, aldrig oplysninger "
           "om enkelte borgere.")

targets = [t for t in politician.targets(municipality, year)
           if chosen.area is None or data.kpi(t.kpi_id).area == chosen.area]
if not targets:
    st.info(f"Der er ikke fastsat måltal for {year}" + (" på dette område." if chosen.area else "."))
    st.stop()

by_kpi = {t.kpi_id: t for t in targets}
shown_ids = st.multiselect("Nøgletal", list(by_kpi), default=list(by_kpi), key="target_kpis",
                           format_func=lambda kpi_id: data.kpi(kpi_id).name, placeholder="Vælg nøgletal")
if not shown_ids:
    st.info("Vælg et eller flere nøgletal.")
    st.stop()


def _trend_start(own: pd.DataFrame, latest: pd.Series) -> pd.Series | None:
    """A year before the latest figure when the period reaches back that far, else the period's first figure."""
    year_before = (pd.Timestamp(latest["period"]) - pd.DateOffset(months=TREND_MONTHS)).date()
    earlier = own[[p <= year_before for p in own["period"]]]
    candidate = earlier.iloc[-1] if len(earlier) else own.iloc[0]
    return None if candidate["period"] == latest["period"] else candidate


overview, cards = [], []
for kpi_id in shown_ids:
    kpi, target = data.kpi(kpi_id), by_kpi[kpi_id]
    frame = data.benchmark(scope, kpi_id, municipality, chosen.start, chosen.end)
    own = frame.dropna(subset=["own_value"])
    in_year = own[[p.year == year for p in own["period"]]]
    latest = in_year.iloc[-1] if len(in_year) else None
    state = status(kpi, target, latest["own_value"]) if latest is not None else None
    overview.append({"Nøgletal": kpi.name, "Status": "Ingen tal" if state is None else state.label,
                     "Mål": f"{COMPARISON_WORDS[target.comparison]} {number(target.value, kpi.decimals)}",
                     "Seneste tal": None if latest is None else round(latest["own_value"], kpi.decimals),
                     "Sammenligningskommuner": None if latest is None else round(latest["group_value"], kpi.decimals),
                     "Hele landet": None if latest is None else round(latest["country_value"], kpi.decimals),
                     "Enhed": kpi.unit, "Måned": None if latest is None else month_name(latest["period"])})
    cards.append((kpi, target, frame, own, latest, state))

st.subheader("Overblik")
places = max(data.kpi(kpi_id).decimals for kpi_id in shown_ids)
show_table(pd.DataFrame(overview), dict.fromkeys(("Seneste tal", "Sammenligningskommuner", "Hele landet"), places),
           key="targets_overview", file_name=f"maal-{municipality}-{year}.csv")

for kpi, target, frame, own, latest, state in cards:
    with st.container(border=True, key=f"target-{kpi.id}"):
        st.subheader(kpi.name, help=kpi.description)
        if latest is None:
            st.info(f"Der er ingen tal for {year} i den valgte periode.")
            continue
        actual, group = latest["own_value"], latest["group_value"]
        st.markdown(f"### :{STATUS_COLOURS[state]}[{STATUS_ICONS[state]} {state.label}]")
        said = kpi.plain(number(actual, kpi.decimals)) if chosen.is_own else (
            f"{name} har {number(actual, kpi.decimals)} {kpi.unit}")
        st.markdown(
            f"**{said}; målet er {COMPARISON_WORDS[target.comparison]} {number(target.value, kpi.decimals)}.**  \n"
            f"Tallet er fra {month_name(latest['period'])}. Sammenlignelige kommuner ligger på "
            f"{number(group, kpi.decimals)} {kpi.unit}, hele landet på "
            f"{number(latest['country_value'], kpi.decimals)} {kpi.unit}.")
        if target.note:
            st.caption(target.note)
        gap_column, trend_column, group_column = st.columns(3)
        gap = actual - target.value
        gap_column.metric("Forskel til målet", f"{'+' if gap > 0 else ''}{number(gap, kpi.decimals)}",
                          help=f"Seneste tal minus måltallet, i {kpi.unit}.")
        start = _trend_start(own, latest)
        if start is not None:
            change = actual - start["own_value"]
            trend_column.metric(f"Udvikling siden {month_label(start['period'])}", number(actual, kpi.decimals),
                                delta=f"{'+' if change > 0 else ''}{number(change, kpi.decimals)}",
                                delta_color=TREND_COLOURS.get(kpi.direction, "off"),
                                help=f"Tallet i {month_name(latest['period'])} mod {month_name(start['period'])}.")
        peers = len(frame.attrs.get("peers", ()))
        group_column.metric(f"Sammenligningskommuner ({peers})", number(group, kpi.decimals),
                            help="Sum af tællere delt med sum af nævnere for kommunerne i sammenligningsgruppen.")
        series = {"own": name, "group": "Sammenligningskommuner", "country": "Hele landet"}
        st.altair_chart(benchmark_chart(frame, series, kpi.unit, kpi.decimals, target=target.value), width="stretch")
