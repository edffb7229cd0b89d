"""Brugere og roller: the own municipality's users, created, disabled, given a new password or another role."""

import streamlit as st

from data_access.scope import AccessDenied, Role
from data_access.users import NewUser, UserProblem
from ui import admin, data
from ui.guard import page_scope
from ui.tables import in_local_time, show_table

NOTICE = "admin_users_notice"  # survives the rerun after a change, shown once

scope = page_scope(Role.ADMIN)
municipality = data.municipality_name(scope.municipality_code)
st.title("Brugere og roller")
st.caption(f"Brugerne i {municipality} Kommune. En spærret bruger lukkes ude med det samme. Nye brugere og "
           "nulstillede adgangskoder får en engangsadgangskode, som kun vises her én gang; giv den til brugeren.")

notice = st.session_state.pop(NOTICE, None)
if notice:
    st.success(notice, icon=":material/check_circle:")


def _done(message: str, clear: tuple[str, ...] = ()) -> None:
    st.session_state[NOTICE] = message
    for key in clear:  # an emptied form, ready for the next user
        st.session_state.pop(key, None)
    st.rerun()


def _caseworker_label(key: str) -> str:
    known = caseworker_names.get(key)
    return f"{known} ({key})" if known else key


everyone = admin.users_of(scope)
caseworker_rows = admin.caseworkers(scope)
caseworker_names = dict(zip(caseworker_rows["caseworker_key"],
                            caseworker_rows["name"] + ", " + caseworker_rows["unit"].fillna("uden enhed"), strict=True))
shown = everyone.assign(role=everyone["role"].map(lambda r: Role(r).label),
                        caseworker_key=everyone["caseworker_key"].map(lambda k: _caseworker_label(k) if k else ""),
                        active=everyone["active"].map({True: "Aktiv", False: "Spærret"}),
                        created_at=in_local_time(everyone["created_at"])).rename(columns={
    "username": "Brugernavn", "display_name": "Navn", "email": "E-mail", "role": "Rolle",
    "caseworker_key": "Sagsbehandler i fagsystemet", "active": "Status", "created_at": "Oprettet"})
show_table(shown, key="users", file_name="brugere.csv")

roles = list(Role)
caseworker_keys = list(caseworker_rows["caseworker_key"])

st.subheader("Opret bruger")
left, right = st.columns(2)
username = left.text_input("Brugernavn", key="new_username", help="Små bogstaver, tal, punktum eller bindestreg.")
name = right.text_input("Navn", key="new_name")
email = left.text_input("E-mail", key="new_email")
role = right.selectbox("Rolle", roles, format_func=lambda r: r.label, key="new_role")
caseworker = None
if role is Role.CASEWORKER:
    caseworker = st.selectbox("Sagsbehandler i fagsystemet", caseworker_keys, index=None, key="new_caseworker",
                              format_func=_caseworker_label, placeholder="Vælg sagsbehandleren",
                              help="Sagsbehandleren ser kun sine egne sager, som fagsystemet har registreret dem.")
if st.button("Opret bruger", icon=":material/person_add:", key="create_user"):
    try:
        password = admin.create_user(scope, NewUser(username, name, email or None, role, caseworker))
    except (UserProblem, AccessDenied) as problem:
        st.error(str(problem))
    else:
        _done(f"Brugeren {username.strip().lower()} er oprettet. Engangsadgangskode: **{password}**",
              ("new_username", "new_name", "new_email", "new_role", "new_caseworker"))

st.subheader("Ret en bruger")
if everyone.empty:
    st.stop()
chosen = st.selectbox("Bruger", everyone["username"], key="edit_user",
                      format_func=lambda u: f"{u} ({everyone.set_index('username').at[u, 'display_name']})")
current = everyone.set_index("username").loc[chosen]
is_self = chosen == scope.username
password_column, active_column, _ = st.columns([1, 1, 2])
if password_column.button("Nulstil adgangskode", icon=":material/key:", key="reset_password"):
    _done(f"Ny engangsadgangskode til {chosen}: **{admin.reset_password(scope, chosen)}**")
if current["active"]:
    if active_column.button("Spær bruger", icon=":material/block:", key="disable_user", disabled=is_self,
                            help="Du kan ikke spærre dig selv." if is_self else None):
        admin.set_active(scope, chosen, False)
        _done(f"Brugeren {chosen} er spærret.")
elif active_column.button("Genåbn bruger", icon=":material/lock_open:", key="enable_user"):
    admin.set_active(scope, chosen, True)
    _done(f"Brugeren {chosen} er genåbnet.")

with st.form("change_role"):
    new_role = st.selectbox("Ny rolle", roles, index=roles.index(Role(current["role"])), format_func=lambda r: r.label,
                            key="change_role_role", disabled=is_self)
    new_caseworker = st.selectbox(
        "Sagsbehandler i fagsystemet (kun for sagsbehandlere)", caseworker_keys, format_func=_caseworker_label,
        index=caseworker_keys.index(current["caseworker_key"]) if current["caseworker_key"] in caseworker_keys
        else None, placeholder="Vælg sagsbehandleren", key="change_role_caseworker")
    if st.form_submit_button("Gem rolle", icon=":material/save:", disabled=is_self):
        try:
            admin.change_role(scope, chosen, new_role, new_caseworker)
        except (UserProblem, AccessDenied) as problem:
            st.error(str(problem))
        else:
            _done(f"{chosen} har nu rollen {new_role.label.lower()}.")
