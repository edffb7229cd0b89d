"""A map of the 98 municipalities coloured by a KPI, drawn with pydeck and no map tiles (no internet needed).

Each municipality is a circle at its centre; the colour runs from the worst to the best value where the
KPI says which way is better (red to green), else from the lowest to the highest (light to dark blue).
Municipalities without a value that may be shown are grey. The own municipality and its comparison group
are outlined and named.
"""

from __future__ import annotations

import pandas as pd
import pydeck as pdk

from kpi.catalogue import Direction, Kpi
from locale_da import number

NO_VALUE = [200, 200, 200, 160]
WORST, MIDDLE, BEST = (215, 48, 39), (254, 224, 139), (26, 152, 80)
LOWEST, HIGHEST = (222, 235, 247), (8, 81, 156)
OWN_OUTLINE, GROUP_OUTLINE, OTHER_OUTLINE = [224, 123, 57, 255], [20, 20, 20, 255], [255, 255, 255, 200]
DENMARK = pdk.ViewState(latitude=56.05, longitude=10.9, zoom=5.9)


def colour_of(kpi: Kpi, value: float, low: float, high: float) -> list[int]:
    """The circle's colour for ``value`` on a scale from ``low`` to ``high``."""
    if pd.isna(value):
        return NO_VALUE
    share = 0.5 if high == low else (value - low) / (high - low)
    if kpi.direction in (Direction.HIGHER_BETTER, Direction.LOWER_BETTER):
        if kpi.direction is Direction.LOWER_BETTER:
            share = 1 - share
        a, b, t = (WORST, MIDDLE, share * 2) if share < 0.5 else (MIDDLE, BEST, share * 2 - 1)
    else:
        a, b, t = LOWEST, HIGHEST, share
    return [round(x + (y - x) * t) for x, y in zip(a, b, strict=True)] + [235]


def legend_text(kpi: Kpi, low: float, high: float) -> str:
    scale = (f"rød er dårligst, grøn bedst ({number(low, kpi.decimals)}-{number(high, kpi.decimals)} {kpi.unit})"
             if kpi.direction in (Direction.HIGHER_BETTER, Direction.LOWER_BETTER)
             else f"lys er lavest ({number(low, kpi.decimals)}), mørk højest ({number(high, kpi.decimals)} {kpi.unit})")
    return (f"Farven viser nøgletallet: {scale}. Grå: intet tal, der kan vises. Orange kant: egen kommune; "
            "sort kant: sammenligningskommunerne.")


def kpi_map(kpi: Kpi, ranked: pd.DataFrame, points: pd.DataFrame, own: int, group: set[int]) -> pdk.Deck:
    """``ranked``: engine.ranking for one period (municipality_code, value, rank); ``points``: kpi.geography."""
    frame = points.merge(ranked[["municipality_code", "value", "rank"]], on="municipality_code", how="left")
    low, high = frame["value"].min(), frame["value"].max()
    frame["fill"] = [colour_of(kpi, v, low, high) for v in frame["value"]]
    frame["outline"] = [OWN_OUTLINE if c == own else GROUP_OUTLINE if c in group else OTHER_OUTLINE
                        for c in frame["municipality_code"]]
    frame["outline_width"] = [3 if c == own or c in group else 1 for c in frame["municipality_code"]]
    frame["shown"] = [f"{number(v, kpi.decimals)} {kpi.unit}" if not pd.isna(v) else "intet tal, der kan vises"
                      for v in frame["value"]]
    frame["place"] = ["" if pd.isna(r) else f"nr. {int(r)}" for r in frame["rank"]]
    columns = ["name", "latitude", "longitude", "fill", "outline", "outline_width", "shown", "place"]
    data = frame[columns].to_dict("records")
    named = [row for row, code in zip(data, frame["municipality_code"], strict=True) if code == own or code in group]
    circles = pdk.Layer("ScatterplotLayer", data, get_position=["longitude", "latitude"], get_fill_color="fill",
                        get_line_color="outline", get_line_width="outline_width", line_width_units="pixels",
                        stroked=True, filled=True, radius_units="pixels", get_radius=9, pickable=True)
    names = pdk.Layer("TextLayer", named, get_position=["longitude", "latitude"], get_text="name", get_size=13,
                      get_color=[30, 30, 30, 255], get_pixel_offset=[0, -18], font_family="sans-serif")
    return pdk.Deck(layers=[circles, names], initial_view_state=DENMARK, map_style=None, map_provider=None,
                    tooltip={"text": "{name}: {shown} {place}"})
