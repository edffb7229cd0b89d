"""Every page checks who is asking before it draws anything.

Streamlit runs a script in pages/ directly when its URL is opened on a server where no
session has called st.navigation yet; the guard sends such a visitor to the sign-in in
app.py, and refuses a signed-in user whose role the page is not for.
"""

from __future__ import annotations

import contextlib

import streamlit as st
from streamlit.errors import StreamlitAPIException

from data_access.scope import Role, UserScope


def page_scope(*roles: Role) -> UserScope:
    scope: UserScope | None = st.session_state.get("scope")
    if scope is None or not st.session_state.get("authentication_status"):
        # app.py is a page only where Streamlit runs the pages folder directly; elsewhere stay and say so.
        with contextlib.suppress(StreamlitAPIException):
            st.switch_page("app.py")
        st.warning("Log ind for at se denne side.")
        st.stop()
    if scope.role not in roles:
        st.error("Siden hører ikke til din rolle.")
        st.stop()
    return scope
