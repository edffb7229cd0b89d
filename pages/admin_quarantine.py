"""Karantæne: the rows the nightly runs could not load, with file, line, column, value and reason."""

import streamlit as st

from data_access.scope import Role
from locale_da import number
from ui import admin, data
from ui.guard import page_scope
from ui.tables import in_local_time, show_table

ALL_FILES = "alle"

scope = page_scope(Role.ADMIN)
municipality = data.municipality_name(scope.municipality_code)
st.title("Karantæne")
st.caption(f"Rækker, som dataindlæsningen ikke kunne indlæse, fordi de bryder leverancens kontrakt. Resten af filen "
           f"er indlæst. Du ser {municipality} Kommunes egne filer og de landsdækkende (CPR og Danmarks Statistik). "
           "Ret fejlen i fagsystemet; rækken kommer med i en senere leverance. CPR-numre er maskeret.")

files = admin.quarantine_files(scope)
if files.empty:
    st.info("Ingen rækker i karantæne i de indlæste filer.")
    st.stop()

runs = files.drop_duplicates("run_id")
run_id = st.selectbox("Kørsel", runs["run_id"], key="quarantine_run", format_func=lambda r: (
    f"{r} ({in_local_time(runs.loc[runs['run_id'] == r, 'finished_at']).iloc[0]:%d.%m.%Y kl. %H:%M})"))
in_run = files[files["run_id"] == run_id]
file_name = st.selectbox("Fil", [ALL_FILES, *in_run["file_name"]], key="quarantine_file",
                         format_func=lambda f: "Alle filer" if f == ALL_FILES else
                         f"{f} ({number(in_run.set_index('file_name').at[f, 'rows_quarantined'])} rækker)")

rows = admin.quarantined_rows(scope, None if file_name == ALL_FILES else file_name, run_id)
st.caption(f"{number(len(rows))} rækker i karantæne.")
shown = rows.drop(columns="run_id").rename(columns={
    "file_name": "Fil", "line": "Linje", "column_name": "Kolonne", "value": "Værdi", "reason": "Årsag"})
show_table(shown, key="quarantine_rows", file_name=f"karantaene-{run_id}.csv")
