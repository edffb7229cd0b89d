"""Tables shown with Danish number formats, and the same data offered as a download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from locale_da import COPENHAGEN, missing, number


def show_table(frame: pd.DataFrame, decimals: dict[str, int] | None = None, *, key: str,
               file_name: str, height: int | str = "auto") -> None:
    """A sortable table with Danish formatting, plus a CSV download of exactly what is shown."""
    decimals = decimals or {}
    formats = {column: (lambda value, d=d: number(value, d)) for column, d in decimals.items()}
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            with_time = (frame[column].dropna().dt.normalize() != frame[column].dropna()).any()
            pattern = "%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y"
            formats[column] = lambda value, p=pattern: "" if pd.isna(value) else value.strftime(p)
        elif column not in formats:
            formats[column] = lambda value: "" if missing(value) else str(value)
    st.dataframe(frame.style.format(formats), hide_index=True, width="stretch", height=height, key=key)
    st.download_button("Hent som CSV", data=to_csv(frame), file_name=file_name, mime="text/csv",
                       icon=":material/download:", key=f"{key}_csv")


def in_local_time(column: pd.Series) -> pd.Series:
    """Stored UTC timestamps shown in Danish local time."""
    return pd.to_datetime(column).dt.tz_localize("UTC").dt.tz_convert(COPENHAGEN).dt.tz_localize(None)


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV as Danish Excel opens it: semicolons, decimal comma, UTF-8 with byte-order mark."""
    return frame.to_csv(sep=";", decimal=",", index=False, date_format="%d-%m-%Y").encode("utf-8-sig")
