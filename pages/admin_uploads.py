"""Upload af data: political targets, budgets and local measurements, checked as the nightly run checks them."""

import pandas as pd
import streamlit as st

from data_access.scope import Role
from data_access.uploads import ASSESSMENTS, BUDGET_SOURCES, UPLOADABLE, UploadRejected
from kpi.targets import TargetFileError
from locale_da import number
from ui import admin, data
from ui.guard import page_scope
from ui.tables import in_local_time, show_table

NOTICE = "admin_uploads_notice"
COMPARISON_LABELS = {"at_most": "højst", "at_least": "mindst", "around": "omkring"}

scope = page_scope(Role.ADMIN)
municipality = data.municipality_name(scope.municipality_code)
year = data.load_info().last_complete_month.year

st.title("Upload af data")
st.caption(f"Filer til {municipality} Kommune. En fil kontrolleres, som den natlige dataindlæsning kontrollerer "
           "leverancer; har den én fejl, gemmes intet, og alle fejl vises med linje og kolonne.")
notice = st.session_state.pop(NOTICE, None)
if notice:
    st.success(notice, icon=":material/check_circle:")


def _done(message: str) -> None:
    st.session_state[NOTICE] = message
    st.rerun()


def _refused(file_name: str, problems: list[str]) -> None:
    st.error(f"{file_name} er ikke gemt:\n\n" + "\n".join(f"- {problem}" for problem in problems),
             icon=":material/error:")


targets_tab, budget_tab, local_tab = st.tabs(["Måltal", "Budget", "Lokale målinger"])

with targets_tab:
    st.markdown("Byrådets måltal som CSV med kolonnerne **kommune;nøgletal;år;mål;sammenligning;note**. Et mål "
                "erstatter det hidtidige for samme nøgletal og år og ses af politikerne med det samme.")
    example = (f"kommune;nøgletal;år;mål;sammenligning;note\n{scope.municipality_code};K-UBU-PLAC-1000;{year + 1};"
               "7,5;højst;Flere børn skal hjælpes i eget hjem\n")
    st.download_button("Hent skabelon", example.encode("utf-8-sig"), file_name="maaltal-skabelon.csv",
                       mime="text/csv", icon=":material/download:", key="targets_template")
    targets_file = st.file_uploader("Fil med måltal", type=["csv", "txt"], key="targets_file")
    if targets_file is not None and st.button("Gem måltal", icon=":material/upload:", key="store_targets"):
        try:
            stored = data.upload_targets(scope, targets_file.name, targets_file.getvalue())
        except TargetFileError as error:
            _refused(targets_file.name, error.problems)
        else:
            _done(f"{number(stored)} måltal fra {targets_file.name} er gemt.")
    targets = [t for y in (year, year + 1) for t in data.targets(scope, y)]
    if targets:
        st.markdown("**Gældende måltal**")
        frame = [{"Nøgletal": data.kpi(t.kpi_id).name, "År": t.year,
                  "Mål": f"{COMPARISON_LABELS[t.comparison]} {number(t.value, data.kpi(t.kpi_id).decimals)}",
                  "Note": t.note} for t in targets]
        show_table(pd.DataFrame(frame), key="targets", file_name="maaltal.csv")


def _data_upload(sources: list[str], key: str, default: str) -> None:
    source = st.radio("Format", sources, index=sources.index(default), key=f"{key}_format",
                      format_func=lambda s: UPLOADABLE[s][2], horizontal=False) if len(sources) > 1 else sources[0]
    if len(sources) == 1:
        st.markdown(UPLOADABLE[source][2])
    uploaded = st.file_uploader("Fil", type=["csv", "txt"], key=f"{key}_file")
    if uploaded is not None and st.button("Kontrollér og læg i indbakken", icon=":material/upload:",
                                          key=f"{key}_store"):
        try:
            check = admin.store_upload(scope, source, uploaded.name, uploaded.getvalue())
        except UploadRejected as error:
            _refused(uploaded.name, error.problems)
        else:
            notes = "".join(f"\n\n{note[0].upper()}{note[1:]}." for note in check.notes)
            _done(f"{uploaded.name} er godkendt ({number(check.rows)} rækker) og lagt i indbakken som "
                  f"{check.inbox_name}; den indlæses ved næste dataindlæsning.{notes}")


with budget_tab:
    st.markdown("Budgettet pr. funktion i kontoplanen (5.28.xx og 5.38.xx), i samme format som "
                "økonomisystemets leverance. Et nyt budget for samme år og funktion erstatter det gamle.")
    _data_upload(list(BUDGET_SOURCES), "budget", admin.budget_source(scope))

with local_tab:
    st.markdown("Effektmålinger (VUM og trivsel), som ikke kommer fra fagsystemet. Målinger, der henviser til en "
                "bevilling, som fagsystemet ikke kender, sættes i karantæne ved indlæsningen.")
    _data_upload([ASSESSMENTS.source], "local", ASSESSMENTS.source)

st.subheader("Næste dataindlæsning henter")
pending = admin.pending_files(scope)
if pending.empty:
    st.caption("Ingen nye filer i indbakken for din kommune.")
else:
    shown = pending.assign(modified=in_local_time(pending["modified"]), size=pending["size"] / 1024).rename(columns={
        "file_name": "Fil", "title": "Kilde", "size": "Størrelse (kB)", "modified": "Lagt i indbakken"})
    show_table(shown, {"Størrelse (kB)": 1}, key="pending", file_name="indbakke.csv")
