"""Altair charts in Danish: number and date formats, labels and colours shared by all pages."""

from __future__ import annotations

import altair as alt
import pandas as pd

DANISH_LOCALE = {
    "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " kr."]},
    "time": {
        "dateTime": "%A den %d. %B %Y %X", "date": "%d.%m.%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
        "days": ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"],
        "shortDays": ["søn", "man", "tir", "ons", "tor", "fre", "lør"],
        "months": ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
                   "november", "december"],
        "shortMonths": ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
    },
}
SERIES_COLOURS = {"own": "#1f5fa8", "group": "#e07b39", "country": "#8c8c8c", "target": "#2e8540"}
NOTE_COLOUR = "#7a4fa3"
# Per period length: the time axis's label format and ticks, and the tooltip's title and format (d3-time-format;
# %q is the quarter, 1-4).
TIME_AXES = {
    "month": ("%b %Y", "month", "Måned", "%B %Y"),
    "quarter": ("%q. kvt. %Y", {"interval": "month", "step": 3}, "Kvartal", "%q. kvartal %Y"),
    "year": ("%Y", "year", "År", "%Y"),
}


def number_format(decimals: int) -> str:
    return f",.{decimals}f"


def benchmark_chart(frame: pd.DataFrame, labels: dict[str, str], unit: str, decimals: int,
                    target: float | None = None) -> alt.Chart:
    """Own municipality, comparison group and all municipalities over time, one line each."""
    layers = [_benchmark_lines(frame, labels, unit, decimals)]
    if target is not None:
        rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(
            strokeDash=[6, 4], color=SERIES_COLOURS["target"], strokeWidth=2).encode(y="target:Q")
        layers.append(rule)
    return alt.layer(*layers).properties(height=340).configure(locale=DANISH_LOCALE)


def noted_benchmark_chart(frame: pd.DataFrame, labels: dict[str, str], unit: str, decimals: int,
                          notes: pd.DataFrame, granularity: str = "month") -> alt.Chart:
    """``benchmark_chart`` with a dashed mark at each month a note is about (``notes``: month, text); ``frame``'s
    periods are months, quarters or years (``granularity``) by their first day."""
    layers = [_benchmark_lines(frame, labels, unit, decimals, granularity)]
    if not notes.empty:
        marks = notes.assign(month=pd.to_datetime(notes["month"]))
        layers.append(alt.Chart(marks).mark_rule(strokeDash=[3, 3], color=NOTE_COLOUR, strokeWidth=1.5).encode(
            x="month:T", tooltip=[alt.Tooltip("month:T", title="Note om", format="%B %Y"),
                                  alt.Tooltip("text:N", title="Note")]))
    return alt.layer(*layers).properties(height=340).configure(locale=DANISH_LOCALE)


def _benchmark_lines(frame: pd.DataFrame, labels: dict[str, str], unit: str, decimals: int,
                     granularity: str = "month") -> alt.Chart:
    long = frame.melt(id_vars="period", value_vars=[f"{s}_value" for s in labels], var_name="series",
                      value_name="value")
    long["series"] = long["series"].str.removesuffix("_value").map(labels)
    long["period"] = pd.to_datetime(long["period"])
    domain = list(labels.values())
    colours = [SERIES_COLOURS[s] for s in labels]
    axis_format, ticks, period_title, period_format = TIME_AXES[granularity]
    return alt.Chart(long).mark_line(point=alt.OverlayMarkDef(size=28), strokeWidth=2.5).encode(
        x=alt.X("period:T", title=None, axis=alt.Axis(format=axis_format, labelAngle=0, tickCount=ticks)),
        y=alt.Y("value:Q", title=unit, scale=alt.Scale(zero=False), axis=alt.Axis(format=number_format(decimals))),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=domain, range=colours),
                        legend=alt.Legend(orient="bottom", labelLimit=400)),
        tooltip=[alt.Tooltip("series:N", title="Serie"),
                 alt.Tooltip("period:T", title=period_title, format=period_format),
                 alt.Tooltip("value:Q", title=unit, format=number_format(decimals))],
    )


def sparkline_svg(values: list[float], colour: str, width: int = 240, height: int = 44) -> str:
    """A trend as a small SVG line, for tiles: one image instead of a Vega chart each keeps a page of
    fifty tiles quick to draw."""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (width - 8) / max(len(values) - 1, 1)
    points = [(4 + i * step, height - 4 - (v - low) / span * (height - 8)) for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    x, y = points[-1]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><polyline points="{line}" fill="none" stroke="{colour}" '
            f'stroke-width="2" stroke-linejoin="round"/>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/></svg>')
