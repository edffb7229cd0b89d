"""Reports for the pages: rendered and turned into files once per reader, definition and published warehouse.

The caches are keyed by the reader's scope, the definition (as canonical JSON) and the warehouse
version, so a reader only ever gets figures computed with their own rights, and a new ETL run is seen
at once. Saved reports and subscriptions are read fresh: they change as the user works.
"""

from __future__ import annotations

import json

import streamlit as st

from data_access.scope import UserScope
from reports.formats import render_file
from reports.render import RenderedReport, render

from . import data

CACHE_SECONDS = 3600


def canonical(definition: dict) -> str:
    return json.dumps(definition, sort_keys=True, ensure_ascii=False)


def rendered(scope: UserScope, definition: dict, name: str) -> RenderedReport:
    return _rendered(scope, canonical(definition), name, data.version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Beregner rapporten …", max_entries=200)
def _rendered(scope: UserScope, definition: str, name: str, warehouse_version: str) -> RenderedReport:
    return render(json.loads(definition), scope, name, data.engine())


def report_file(scope: UserScope, definition: dict, name: str, file_format: str) -> bytes:
    """The report as a file (called when the download is clicked, so a PDF is drawn only when asked for)."""
    return _report_file(scope, canonical(definition), name, file_format, data.version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=100)
def _report_file(scope: UserScope, definition: str, name: str, file_format: str, warehouse_version: str) -> bytes:
    return render_file(_rendered(scope, definition, name, warehouse_version), file_format)
