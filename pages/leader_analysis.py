"""Nøgletal og sammenligning: a KPI for the leader's municipality beside its comparison group and all municipalities."""

import streamlit as st

from data_access.scope import Role
from locale_da import month_name, number
from ui import data
from ui.charts import benchmark_chart
from ui.guard import page_scope
from ui.tables import show_table

scope = page_scope(Role.LEADER)
own_name = data.municipality_name(scope.municipality_code)
choices = {k.id: k for k in data.kpis()}

st.title("Nøgletal og sammenligning")
kpi_id = st.selectbox("Nøgletal", list(choices), format_func=lambda i: choices[i].name, key="kpi")
kpi = choices[kpi_id]
frame = data.benchmark(scope, kpi_id)
peers = frame.attrs["peers"]
in_data = frame.attrs["municipalities_in_data"]
labels = {"own": own_name, "group": f"Sammenligningskommuner ({len(peers)})",
          "country": "Hele landet" if in_data >= 98 else f"Alle kommuner i datagrundlaget ({in_data})"}

with_values = frame.dropna(subset=["own_value"])
if with_values.empty:
    st.info(f"Der er endnu ingen tal for {own_name} for dette nøgletal.")
    st.stop()
latest = with_values.iloc[-1]
st.subheader(f"{kpi.name}, {month_name(latest['period'])}")
columns = st.columns(3)
for column, series in zip(columns, ("own", "group", "country"), strict=True):
    value = latest[f"{series}_value"]
    delta = None
    if series == "own" and latest["group_value"] == latest["group_value"]:
        delta = f"{number(value - latest['group_value'], kpi.decimals)} i forhold til sammenligningskommunerne"
    column.metric(labels[series], f"{number(value, kpi.decimals)} {kpi.unit}", delta=delta, delta_color="off")

st.altair_chart(benchmark_chart(frame, labels, kpi.unit, kpi.decimals), width="stretch")

with st.expander("Sådan beregnes nøgletallet"):
    st.write(kpi.description)
    st.markdown(f"- **Tæller:** {kpi.numerator.label}\n- **Nævner:** {kpi.denominator.label}\n"
                f"- **Sammenligningskommuner:** " + ", ".join(data.municipality_name(m) for m in peers))
    st.caption("Gruppens værdi er summen af tællerne divideret med summen af nævnerne, ikke et gennemsnit af "
               "kommunernes værdier. Værdier bygget på færre end 5 personer vises ikke for andre kommuner.")

table = frame.rename(columns={
    "period": "Måned", "own_numerator": f"Tæller, {own_name}", "own_denominator": f"Nævner, {own_name}",
    "own_value": own_name, "group_value": labels["group"], "country_value": labels["country"],
})[["Måned", f"Tæller, {own_name}", f"Nævner, {own_name}", own_name, labels["group"], labels["country"]]]
table["Måned"] = table["Måned"].map(month_name)
show_table(table.iloc[::-1], {f"Tæller, {own_name}": 0, f"Nævner, {own_name}": 0, own_name: kpi.decimals,
                              labels["group"]: kpi.decimals, labels["country"]: kpi.decimals},
           key="benchmark_table", file_name=f"{kpi.id}-{scope.municipality_code}.csv", height=300)
