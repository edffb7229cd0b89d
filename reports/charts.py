"""A report table's chart (Altair), the same in the app and, rendered to PNG offline by vl-convert, in the PDF."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts import DANISH_LOCALE, number_format

PALETTE = ["#1f5fa8", "#e07b39", "#8c8c8c", "#2e8540", "#8e44ad", "#c0392b", "#16a085", "#d4ac0d", "#34495e"]


def chart(long: pd.DataFrame, kind: str, unit: str, decimals: int, series_title: str) -> alt.Chart | None:
    """``long`` has columns period (text, in order), series and value; ``kind`` is line or bar."""
    long = long.dropna(subset=["value"])
    if kind == "none" or long.empty:
        return None
    order = list(dict.fromkeys(long["period"]))
    series = list(dict.fromkeys(long["series"]))
    x = alt.X("period:N", title=None, sort=order, axis=alt.Axis(labelAngle=-40 if len(order) > 6 else 0))
    y = alt.Y("value:Q", title=unit, axis=alt.Axis(format=number_format(decimals)),
              scale=alt.Scale(zero=kind == "bar"))
    colour = alt.Color("series:N", title=series_title or None, sort=series,
                       scale=alt.Scale(domain=series, range=PALETTE[:len(series)] or PALETTE),
                       legend=alt.Legend(orient="bottom", labelLimit=400, columns=3))
    tooltip = [alt.Tooltip("series:N", title=series_title or "Serie"), alt.Tooltip("period:N", title="Periode"),
               alt.Tooltip("value:Q", title=unit, format=number_format(decimals))]
    base = alt.Chart(long)
    if kind == "bar":
        marks = base.mark_bar().encode(x=x, y=y, color=colour, xOffset=alt.XOffset("series:N", sort=series),
                                       tooltip=tooltip)
    else:
        marks = base.mark_line(point=True, strokeWidth=2.5).encode(x=x, y=y, color=colour, tooltip=tooltip)
    return marks.properties(height=300, width=640).configure(locale=DANISH_LOCALE)


def png(figure: alt.Chart, scale: float = 2) -> bytes:
    """The chart as PNG, drawn by the bundled Vega engine: no browser and no network."""
    import vl_convert

    return vl_convert.vegalite_to_png(figure.to_json(), scale=scale)
