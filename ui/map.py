"""A map of the 98 municipalities coloured by a KPI, drawn with pydeck and no map tiles (no internet needed).

The map is a flat view of kilometres east and north of the middle of Denmark, not a web map: with a
map view Streamlit fetches a base map from the internet even when told to draw none.

Each municipality is a circle at its centre; the colour runs from the worst to the best value where the
KPI says which way is better (red to green), else from the lowest to the highest (light to dark blue).
Municipalities without a value that may be shown are grey. The own municipality and its comparison group
are outlined and named.
"""

from __future__ import annotations

import math

import pandas as pd
import pydeck as pdk

from kpi.catalogue import Direction, Kpi
from locale_da import number

NO_VALUE = [200, 200, 200, 160]
WORST, MIDDLE, BEST = (215, 48, 39), (254, 224, 139), (26, 152, 80)
LOWEST, HIGHEST = (222, 235, 247), (8, 81, 156)
OWN_OUTLINE, GROUP_OUTLINE, OTHER_OUTLINE = [224, 123, 57, 255], [20, 20, 20, 255], [255, 255, 255, 200]
MIDDLE_LATITUDE, MIDDLE_LONGITUDE = 56.05, 10.9
KM_PER_DEGREE = 111.2
# Orthographic: one unit is a kilometre, zoom z shows 2**z pixels per kilometre; the target is Denmark's middle
# with Bornholm in view.
DENMARK = pdk.ViewState(target=[40, 0, 0], zoom=0.25)


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
    frame["x"], frame["y"] = kilometres(frame["latitude"], frame["longitude"])
    columns = ["name", "x", "y", "fill", "outline", "outline_width", "shown", "place"]
    data = frame[columns].to_dict("records")
    named = [row for row, code in zip(data, frame["municipality_code"], strict=True) if code == own or code in group]
    circles = pdk.Layer("ScatterplotLayer", data, get_position=["x", "y"], get_fill_color="fill",
                        get_line_color="outline", get_line_width="outline_width", line_width_units="pixels",
                        stroked=True, filled=True, radius_units="pixels", get_radius=7, pickable=True)
    names = pdk.Layer("TextLayer", named, get_position=["x", "y"], get_text="name", get_size=13,
                      get_color=[30, 30, 30, 255], get_pixel_offset=[0, -16], size_units="pixels",
                      character_set="auto", font_family="sans-serif")
    return pdk.Deck(layers=[circles, names], views=[pdk.View(type="OrthographicView", controller=True)],
                    initial_view_state=DENMARK, map_style=None, map_provider=None,
                    tooltip={"text": "{name}: {shown} {place}"})


def kilometres(latitude: pd.Series, longitude: pd.Series) -> tuple[pd.Series, pd.Series]:
    """East and south of Denmark's middle in km (the view's y axis points down), near enough for a small country."""
    east = (longitude - MIDDLE_LONGITUDE) * KM_PER_DEGREE * math.cos(math.radians(MIDDLE_LATITUDE))
    south = (MIDDLE_LATITUDE - latitude) * KM_PER_DEGREE
    return east, south
