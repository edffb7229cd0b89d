"""A rendered report as a file: PDF (charts included), Excel (one sheet per table) or CSV, all in Danish."""

from __future__ import annotations

import re

import pandas as pd

from locale_da import long_date, number
from ui.tables import to_csv, to_excel

from .render import PERIOD_COLUMN, RenderedReport

FORMATS = {"pdf": "PDF", "xlsx": "Excel", "csv": "CSV"}
MIME = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv": "text/csv"}
TABLE_COLUMN = "Tabel"


def render_file(report: RenderedReport, file_format: str) -> bytes:
    if file_format == "pdf":
        from .pdf import to_pdf

        return to_pdf(report)
    if file_format == "xlsx":
        return excel(report)
    if file_format == "csv":
        return csv(report)
    raise ValueError(f"Ukendt format {file_format!r}; vælg " + ", ".join(FORMATS))


def slug(name: str) -> str:
    """A report's name as a file name: letters, digits and hyphens."""
    return re.sub(r"[^0-9A-Za-zæøåÆØÅ_-]+", "-", name).strip("-") or "rapport"


def file_name(report: RenderedReport, file_format: str) -> str:
    return f"{slug(report.name)}-{report.data_as_of:%Y-%m-%d}.{file_format}"


def excel(report: RenderedReport) -> bytes:
    """One sheet per table, named after its position and KPI (Excel allows 31 characters), after a front
    sheet saying what the report is and how current its data are."""
    front = pd.DataFrame({"Felt": ["Rapport", "Type", "Kommune", "Periode", "Data pr.", "Beskrivelse"],
                          "Værdi": [report.name, report.kind_label, report.municipality_name, report.period,
                                    long_date(report.data_as_of), report.description]})
    sheets = {"Om rapporten": front}
    decimals: dict[str, int] = {}
    for index, table in enumerate(report.tables, start=1):
        sheets[_sheet_name(index, table.title)] = table.frame
        decimals.update(table.decimals)
    remarks = [*report.remarks, *(note for table in report.tables for note in table.notes)]
    if remarks:
        sheets["Bemærkninger"] = pd.DataFrame({"Bemærkning": remarks})
    return to_excel(sheets, decimals)


def csv(report: RenderedReport) -> bytes:
    """Every table below the other, each row naming its table; columns a table lacks are empty."""
    frames = [table.frame.assign(**{TABLE_COLUMN: table.title}) for table in report.tables]
    if not frames:
        return to_csv(pd.DataFrame(columns=[TABLE_COLUMN, PERIOD_COLUMN]))
    stacked = pd.concat(frames, ignore_index=True)
    return to_csv(stacked[[TABLE_COLUMN, *[c for c in stacked.columns if c != TABLE_COLUMN]]])


def _sheet_name(index: int, title: str) -> str:
    clean = re.sub(r"[\[\]:*?/\\]", " ", title)
    return f"{index} {clean}"[:31]


def cell_text(value, decimals: int) -> str:
    """A table cell as a Danish reader reads it (PDF)."""
    if isinstance(value, str):
        return value
    return number(value, decimals)

