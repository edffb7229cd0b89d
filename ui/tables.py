"""Tables shown with Danish number formats, and the same data offered as CSV and Excel downloads."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from locale_da import COPENHAGEN, missing, number

EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def show_table(frame: pd.DataFrame, decimals: dict[str, int] | None = None, *, key: str,
               file_name: str, height: int | str = "auto") -> None:
    """A sortable table with Danish formatting, plus CSV and Excel downloads of exactly what is shown."""
    decimals = decimals or {}
    formats = {column: (lambda value, d=d: number(value, d)) for column, d in decimals.items()}
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            with_time = (frame[column].dropna().dt.normalize() != frame[column].dropna()).any()
            pattern = "%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y"
            formats[column] = lambda value, p=pattern: "" if pd.isna(value) else value.strftime(p)
        elif column not in formats:
            formats[column] = lambda value: "" if missing(value) else str(value)
    # The Styler skips its formatters for missing values; Streamlit shows those as the placeholder.
    st.dataframe(frame.style.format(formats), hide_index=True, width="stretch", height=height, key=key,
                 placeholder="–")
    csv_column, excel_column, _ = st.columns([1, 1, 4])
    csv_column.download_button("Hent som CSV", data=to_csv(frame), file_name=file_name, mime="text/csv",
                               icon=":material/download:", key=f"{key}_csv")
    excel_column.download_button("Hent som Excel", data=to_excel(frame, decimals),
                                 file_name=file_name.removesuffix(".csv") + ".xlsx", mime=EXCEL_MIME,
                                 icon=":material/table_view:", key=f"{key}_xlsx")


def in_local_time(column: pd.Series) -> pd.Series:
    """Stored UTC timestamps shown in Danish local time."""
    return pd.to_datetime(column).dt.tz_localize("UTC").dt.tz_convert(COPENHAGEN).dt.tz_localize(None)


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV as Danish Excel opens it: semicolons, decimal comma, UTF-8 with byte-order mark."""
    return frame.to_csv(sep=";", decimal=",", index=False, date_format="%d-%m-%Y").encode("utf-8-sig")


def to_excel(frames: pd.DataFrame | dict[str, pd.DataFrame], decimals: dict[str, int] | None = None) -> bytes:
    """An Excel workbook, one sheet per table, numbers kept as numbers with a display format per column.

    Excel shows the thousands and decimal separators of the reader's own locale, so a Danish
    reader sees 1.234,5 while the cell holds the number 1234.5.
    """
    decimals = decimals or {}
    sheets = frames if isinstance(frames, dict) else {"Data": frames}
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet_name, frame in sheets.items():
            name = sheet_name[:31]  # Excel's limit on sheet names
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for index, column in enumerate(frame.columns, start=1):
                letter = sheet.cell(row=1, column=index).column_letter
                width = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))]) + 2
                sheet.column_dimensions[letter].width = min(width, 60)
                pattern = _excel_format(frame[column], decimals.get(column))
                if pattern:
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                        cell.number_format = pattern
            sheet.freeze_panes = "A2"
    return buffer.getvalue()


def _excel_format(column: pd.Series, decimals: int | None) -> str | None:
    if pd.api.types.is_datetime64_any_dtype(column):
        return "dd-mm-yyyy"
    if decimals is not None or pd.api.types.is_float_dtype(column):
        places = 2 if decimals is None else decimals
        return "#,##0" + ("." + "0" * places if places else "")
    return None
