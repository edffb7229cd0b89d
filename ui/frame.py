"""The frame around every page: role-based navigation, who is signed in, and how current the data are."""

from __future__ import annotations

import streamlit as st

from data_access.appstate import UserRecord
from data_access.scope import AccessDenied, Role
from data_access.warehouse import WarehouseMissing
from locale_da import local_time, long_date

from . import data
from .auth import sign_out

PAGES: dict[Role, list[tuple[str, str, str]]] = {
    Role.CASEWORKER: [("pages/caseworker_cases.py", "Mine sager", ":material/folder_shared:")],
    Role.LEADER: [("pages/leader_benchmark.py", "Nøgletal og sammenligning", ":material/monitoring:")],
    Role.POLITICIAN: [("pages/politician_targets.py", "Mål og resultater", ":material/flag:")],
    Role.ADMIN: [("pages/admin_etl_runs.py", "Dataindlæsning", ":material/sync:")],
}


def run(user: UserRecord) -> None:
    scope = user.scope()
    st.session_state["scope"] = scope
    pages = [st.Page(path, title=title, icon=icon) for path, title, icon in PAGES[scope.role]]
    page = st.navigation(pages, position="top")
    with st.sidebar:
        st.markdown(f"**{user.display_name}**  \n{scope.role.label}, {data.municipality_name(scope.municipality_code)}"
                    " Kommune")
        _data_date()
        # The key must not be "logout": streamlit-authenticator keeps its own state under that name.
        if st.button("Log ud", key="sign_out", icon=":material/logout:"):
            # Signing out in the script, not a callback, so the component that deletes the login
            # cookie is drawn and runs in the browser; its answer reruns the app to the login form.
            sign_out()
            st.stop()
    try:
        page.run()
    except AccessDenied as error:
        st.error(str(error))
    except WarehouseMissing as error:
        st.warning(str(error))


def _data_date() -> None:
    try:
        info = data.load_info()
    except WarehouseMissing:
        st.caption("Ingen data indlæst endnu.")
        return
    st.caption(f"Data pr. {long_date(info.data_as_of)}  \nIndlæst {local_time(info.loaded_at):%d.%m.%Y kl. %H:%M}")
