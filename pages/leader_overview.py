"""Nøgletal og sammenligning: every KPI of the chosen areas as a tile, the leader's landing page (F-BENCH-DASH).

Each tile shows the municipality's latest value in the sidebar's period, its comparison group and all
municipalities, the trend, whether the value is better or worse than the group by the KPI's direction,
and how many notes there are; its link opens the KPI's analysis page (F-BENCH-DETAILS).
"""

import streamlit as st

from data_access.scope import Role
from locale_da import month_label, month_name, number
from ui import analysis, data, filters
from ui.charts import sparkline_svg
from ui.guard import page_scope

ANALYSIS_PAGE = "pages/leader_analysis.py"
PARAM_KPI = "noegletal"  # the analysis page's KPI in its URL; the sidebar's filters come along
TILES_PER_ROW = 3
VERDICTS = {
    "better": ("Bedre end gruppen", "green", ":material/thumb_up:"),
    "worse": ("Dårligere end gruppen", "red", ":material/thumb_down:"),
    "level": ("På niveau med gruppen", "gray", ":material/drag_handle:"),
    "inside": ("Inden for målet", "green", ":material/check_circle:"),
    "outside": ("Uden for målet", "orange", ":material/warning:"),
}
DELTA_COLOURS = {"higher_better": "normal", "lower_better": "inverse"}
TREND_COLOURS = {"better": "#2e8540", "inside": "#2e8540", "worse": "#c0392b", "outside": "#d9822b", None: "#1f5fa8"}


def draw(tile: analysis.Tile, notes: int, everyone: str) -> None:
    kpi = tile.kpi
    unit = f" {kpi.unit}" if kpi.unit else ""
    if tile.own is None:
        st.metric(kpi.name, "–", help=kpi.description)
        st.caption("Intet tal, der kan vises, i perioden.")
    else:
        delta = None if tile.group is None else analysis.difference_text(kpi, tile.own, tile.group)
        st.metric(kpi.name, f"{number(tile.own, kpi.decimals)}{unit}", delta,
                  delta_color=DELTA_COLOURS.get(kpi.direction.value, "off"), help=kpi.description,
                  delta_description="mod sammenligningskommunerne" if delta else None)
        if len(tile.trend) > 1:
            st.image(sparkline_svg(tile.trend, TREND_COLOURS.get(tile.verdict, TREND_COLOURS[None])))
        st.caption(f"{month_name(tile.period).capitalize()} · Sammenligningskommuner: "
                   f"{number(tile.group, kpi.decimals)} · {everyone}: {number(tile.country, kpi.decimals)}")
    badges = []
    if tile.verdict:
        label, colour, icon = VERDICTS[tile.verdict]
        badges.append((label, colour, icon))
    if notes:
        badges.append((f"{notes} {'note' if notes == 1 else 'noter'}", "violet", ":material/sticky_note_2:"))
    for label, colour, icon in badges:
        st.badge(label, color=colour, icon=icon)
    st.page_link(ANALYSIS_PAGE, label="Analysér", icon=":material/query_stats:",
                 query_params={PARAM_KPI: kpi.id})


scope = page_scope(Role.LEADER)
chosen = filters.current()
name = data.municipality_name(chosen.municipality_code)

st.title("Nøgletal og sammenligning")
st.caption(f"{name} Kommune, {month_label(chosen.start)}-{month_label(chosen.end)}: seneste tal, udviklingen og "
           "sammenligningskommunerne. Farven viser, om tallet er bedre eller dårligere end sammenligningskommunernes, "
           "der hvor nøgletallet siger, hvad der er bedst. Vælg område og periode i venstre side.")
if not chosen.is_own:
    st.info(f"Du ser {name} Kommunes nøgletal: kun samlede tal, og tal bygget på under fem personer vises ikke. "
            "Noter vises kun for din egen kommune.")

tiles = analysis.tiles(scope, chosen.area, chosen.municipality_code, chosen.start, chosen.end)
if not any(t.own is not None for t in tiles):
    st.info(f"Der er endnu ingen nøgletal for {name} i perioden.")
    st.stop()
note_counts = (analysis.notes(scope, None, chosen.start, chosen.end)["kpi_id"].value_counts().to_dict()
               if chosen.is_own else {})
in_data = data.benchmark(scope, tiles[0].kpi.id, chosen.municipality_code, chosen.start,
                             chosen.end).attrs["municipalities_in_data"] if tiles else 0
everyone = "Hele landet" if in_data >= 98 else f"Alle {in_data} kommuner i data"

for area, area_label in filters.AREAS.items():
    in_area = [t for t in tiles if t.kpi.area == area]
    if not in_area:
        continue
    st.subheader(area_label)
    for first in range(0, len(in_area), TILES_PER_ROW):
        for column, tile in zip(st.columns(TILES_PER_ROW), in_area[first:first + TILES_PER_ROW], strict=False):
            with column.container(border=True):
                draw(tile, note_counts.get(tile.kpi.id, 0), everyone)
