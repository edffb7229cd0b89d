"""The frame around every page: role-based navigation, who is signed in, and how current the data are."""

from __future__ import annotations

import streamlit as st

from data_access.appstate import UserRecord
from data_access.scope import AccessDenied
from data_access.warehouse import WarehouseMissing
from locale_da import local_time, long_date

from . import data, filters
from .auth import sign_out
from .menus import PAGES, Menu, MenuEntry


def run(user: UserRecord) -> None:
    scope = user.scope()
    st.session_state["scope"] = scope
    page = st.navigation(_pages(PAGES[scope.role]), position="top")
    with st.sidebar:
        st.markdown(f"**{user.display_name}**  \n{scope.role.label}, {data.municipality_name(scope.municipality_code)}"
                    " Kommune")
        _data_date()
        try:
            filters.sidebar(scope)
        except WarehouseMissing:
            st.session_state.pop("filters", None)  # the pages say there are no data yet
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


def _pages(menu: Menu) -> list[st.Page] | dict[str, list[st.Page]]:
    def made(entries: list[MenuEntry]) -> list[st.Page]:
        return [st.Page(path, title=title, icon=icon) for path, title, icon in entries]
    return {section: made(entries) for section, entries in menu.items()} if isinstance(menu, dict) else made(menu)


def _data_date() -> None:
    try:
        info = data.load_info()
    except WarehouseMissing:
        st.caption("Ingen data indlæst endnu.")
        return
    st.caption(f"Data pr. {long_date(info.data_as_of)}  \nIndlæst {local_time(info.loaded_at):%d.%m.%Y kl. %H:%M}")
