"""Charts of the leader's operations pages: the fact-based budget's path to 31 December, and effect against price."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .charts import DANISH_LOCALE, SERIES_COLOURS, number_format

FORECAST_SERIES = {
    "actual": ("Forbrug år til dato", SERIES_COLOURS["own"], []),
    "forecast": ("Prognose: forbrug plus disposition", SERIES_COLOURS["group"], [6, 4]),
    "budget_pro_rata": ("Budget, forholdsmæssigt", SERIES_COLOURS["country"], [2, 3]),
    "budget": ("Korrigeret budget for hele året", SERIES_COLOURS["target"], [8, 4]),
}


def forecast_chart(path: pd.DataFrame) -> alt.Chart:
    """Cumulative spend month by month, then the forecast to December, against the year's budget."""
    long = path.melt(id_vars="month", value_vars=list(FORECAST_SERIES), var_name="series",
                     value_name="amount").dropna(subset=["amount"])
    long["series"] = long["series"].map({key: label for key, (label, _, _) in FORECAST_SERIES.items()})
    labels = [label for label, _, _ in FORECAST_SERIES.values()]
    dashes = {label: dash for label, _, dash in FORECAST_SERIES.values()}
    chart = alt.Chart(long).mark_line(point=alt.OverlayMarkDef(size=30), strokeWidth=2.5).encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%b", labelAngle=0, tickCount="month")),
        y=alt.Y("amount:Q", title="Kroner", axis=alt.Axis(format=number_format(0))),
        color=alt.Color("series:N", title=None, scale=alt.Scale(
            domain=labels, range=[colour for _, colour, _ in FORECAST_SERIES.values()]),
            legend=alt.Legend(orient="bottom", labelLimit=400)),
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=labels, range=[dashes[x] for x in labels]),
                                  legend=None),
        tooltip=[alt.Tooltip("series:N", title="Serie"), alt.Tooltip("month:T", title="Måned", format="%B %Y"),
                 alt.Tooltip("amount:Q", title="Kroner", format=number_format(0))],
    )
    return chart.properties(height=360).configure(locale=DANISH_LOCALE)


def effect_cost_chart(frame: pd.DataFrame, change_title: str, horizon: int) -> alt.Chart:
    """One point per group: price per full-year person across, average change in score up, size by citizens."""
    shown = frame.dropna(subset=[f"change_{horizon}", "price_per_full_year_person"])
    return alt.Chart(shown).mark_circle(opacity=0.75, color=SERIES_COLOURS["own"]).encode(
        x=alt.X("price_per_full_year_person:Q", title="Udgift pr. helårsperson (kr.)",
                axis=alt.Axis(format=number_format(0))),
        y=alt.Y(f"change_{horizon}:Q", title=change_title, axis=alt.Axis(format=number_format(2))),
        size=alt.Size(f"citizens_{horizon}:Q", title="Borgere målt", legend=alt.Legend(orient="right")),
        tooltip=[alt.Tooltip("label:N", title="Gruppe"),
                 alt.Tooltip(f"change_{horizon}:Q", title="Gns. ændring", format=number_format(2)),
                 alt.Tooltip(f"citizens_{horizon}:Q", title="Borgere målt", format=number_format(0)),
                 alt.Tooltip("price_per_full_year_person:Q", title="Udgift pr. helårsperson",
                             format=number_format(0))],
    ).properties(height=320).configure(locale=DANISH_LOCALE)
