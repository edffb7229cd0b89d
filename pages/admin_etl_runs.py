"""Dataindlæsning: the nightly ETL runs with per-file counts, newest first."""

import streamlit as st

from data_access.appstate import RUN_STATUS_LABELS
from data_access.scope import Role
from ui import data
from ui.guard import page_scope
from ui.tables import in_local_time, show_table

scope = page_scope(Role.ADMIN)
st.title("Dataindlæsning")
st.caption("Hver kørsel af den natlige dataindlæsning med filer, rækker og eventuelle fejl. "
           "Rækker i karantæne er indlæst uden de fejlbehæftede linjer; en afvist fil stopper kørslen, "
           "og det forrige datagrundlag bliver stående.")

runs = data.etl_runs(scope)
if runs.empty:
    st.info("Der er endnu ikke kørt nogen dataindlæsning.")
    st.stop()

shown = runs.assign(status=runs["status"].map(RUN_STATUS_LABELS), started_at=in_local_time(runs["started_at"]),
                    finished_at=in_local_time(runs["finished_at"])).rename(columns={
    "run_id": "Kørsel", "started_at": "Startet", "finished_at": "Afsluttet", "status": "Status", "files": "Filer",
    "rows_read": "Rækker læst", "rows_loaded": "Indlæst", "rows_quarantined": "Karantæne", "message": "Besked",
})[["Kørsel", "Startet", "Afsluttet", "Status", "Filer", "Rækker læst", "Indlæst", "Karantæne", "Besked"]]
show_table(shown, {"Filer": 0, "Rækker læst": 0, "Indlæst": 0, "Karantæne": 0}, key="runs",
           file_name="dataindlaesninger.csv")

run_id = st.selectbox("Vis filerne i kørslen", runs["run_id"], key="run")
files = data.etl_run_files(scope, run_id)
shown_files = files.rename(columns={
    "file_name": "Fil", "source": "Kilde", "status": "Status", "rows_read": "Rækker læst",
    "rows_loaded": "Indlæst", "rows_quarantined": "Karantæne", "message": "Besked",
})[["Fil", "Kilde", "Status", "Rækker læst", "Indlæst", "Karantæne", "Besked"]]
shown_files["Status"] = shown_files["Status"].map({"loaded": "Indlæst", "rejected": "Afvist"})
show_table(shown_files, {"Rækker læst": 0, "Indlæst": 0, "Karantæne": 0}, key="run_files",
           file_name=f"dataindlaesning-{run_id}.csv")
if files["rows_quarantined"].sum():
    st.page_link("pages/admin_quarantine.py", label="Se rækkerne i karantæne", icon=":material/report:")
