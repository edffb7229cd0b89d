"""The sidebar filters every page reads: municipality, period and area, kept in the URL.

Each widget is bound to a URL parameter (Streamlit's ``bind="query-params"``), so a view can be
shared as a link: opening the link sets the widgets, and changing a widget rewrites the link.
Streamlit drops a parameter that is not among the widget's options, so a link can never widen
what a user may choose; a value equal to the default is left out of the link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from data_access.scope import Role, UserScope
from data_access.warehouse import WarehouseMissing
from locale_da import month_label

from . import data

AREAS = {"children": "Børn og unge", "adults": "Voksne", "economy": "Økonomi", "effect": "Effekt",
         "data_quality": "Datakvalitet"}
ALL_AREAS = "alle"
DEFAULT_MONTHS = 24
# Roles that may look at other municipalities, as aggregates under disclosure control.
COMPARING_ROLES = (Role.LEADER, Role.POLITICIAN)
# Widget keys double as URL parameter names (Streamlit binds them), so they are Danish: users share them.
PARAM_MUNICIPALITY, PARAM_PERIOD, PARAM_AREA = "kommune", "periode", "omraade"


@dataclass(frozen=True)
class Filters:
    """What the user chose in the sidebar. Hashable, so it can key caches beside the scope."""

    municipality_code: int
    start: date
    end: date
    area: str | None  # None: every area

    @property
    def is_own(self) -> bool:
        return self.municipality_code == st.session_state["scope"].municipality_code


def current() -> Filters:
    """The filters drawn by the frame in this run."""
    if "filters" not in st.session_state:
        raise WarehouseMissing("Der er endnu ikke indlæst data. Kør dataindlæsningen: make etl.")
    return st.session_state["filters"]


def sidebar(scope: UserScope) -> Filters:
    """Draw the filters in the sidebar, bound to the URL, and remember them for the page."""
    municipalities = _choosable_municipalities(scope)
    months = data.months(scope) if scope.role is not Role.ADMIN else []
    municipality = st.selectbox("Kommune", municipalities, index=0, key=PARAM_MUNICIPALITY,
                                bind="query-params", format_func=data.municipality_name,
                                disabled=len(municipalities) == 1,
                                help="Andre kommuner vises kun som nøgletal, aldrig med oplysninger om personer.")
    start = end = None
    if months:
        start, end = st.select_slider("Periode", months, value=(months[max(0, len(months) - DEFAULT_MONTHS)],
                                                                months[-1]),
                                      key=PARAM_PERIOD, bind="query-params", format_func=month_label)
    area = st.selectbox("Område", [ALL_AREAS, *AREAS], index=0, key=PARAM_AREA, bind="query-params",
                        format_func=lambda key: "Alle områder" if key == ALL_AREAS else AREAS[key])
    filters = Filters(municipality, start, end, None if area == ALL_AREAS else area)
    st.session_state["filters"] = filters
    return filters


def _choosable_municipalities(scope: UserScope) -> list[int]:
    if scope.role in COMPARING_ROLES:
        others = sorted(data.all_municipalities(), key=data.municipality_name)
        return [scope.municipality_code, *[m for m in others if m != scope.municipality_code]]
    return [scope.municipality_code]
