"""Sign-in with streamlit-authenticator, against users kept in the application-state store."""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from data_access.appstate import UserRecord, current_appstate
from data_access.settings import secret

COOKIE_NAME = "overblik_login"
COOKIE_DAYS = 1.0
LOGIN_FIELDS = {"Form name": "Log ind", "Username": "Brugernavn", "Password": "Adgangskode", "Login": "Log ind"}


def _authenticator() -> stauth.Authenticate:
    # Credentials are read fresh on every run, so a disabled user is locked out at once.
    return stauth.Authenticate(current_appstate().credentials(), cookie_name=COOKIE_NAME,
                               cookie_key=secret("cookie_key"), cookie_expiry_days=COOKIE_DAYS,
                               auto_hash=False, login_sleep_time=0)


def signed_in_user() -> UserRecord | None:
    """The signed-in user, or None after drawing the login form."""
    authenticator = _authenticator()
    st.session_state["_authenticator"] = authenticator
    if not st.session_state.get("authentication_status"):
        _login_form(authenticator)
    if not st.session_state.get("authentication_status"):
        return None
    user = current_appstate().user(st.session_state["username"])
    if user is None:
        sign_out()
        st.error("Din bruger er spærret eller slettet. Kontakt din lokale administrator.")
    return user


def _login_form(authenticator: stauth.Authenticate) -> None:
    st.title("Overblik")
    st.caption("Ledelsesinformation for udsatte børn, unge og voksne")
    try:
        authenticator.login(location="main", fields=LOGIN_FIELDS, key="login")
    except LoginError:
        # A remembered login for a user who is disabled or deleted (the check of the cookie comes before the
        # form is drawn). logout() would refuse, since this session never signed in: forget the cookie, tell
        # the library not to read it again in this session, and draw the form.
        authenticator.cookie_controller.delete_cookie()
        for key in ("authentication_status", "username", "name", "roles"):
            st.session_state.pop(key, None)
        st.session_state["logout"] = True
        authenticator.login(location="main", fields=LOGIN_FIELDS, key="login")
    if st.session_state.get("authentication_status") is False:
        st.error("Forkert brugernavn eller adgangskode.")


def sign_out() -> None:
    authenticator = st.session_state.get("_authenticator")
    if authenticator is not None and st.session_state.get("authentication_status"):
        authenticator.logout(location="unrendered")
    for key in ("authentication_status", "username", "name", "roles"):
        st.session_state.pop(key, None)
