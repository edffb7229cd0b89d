"""Logbog: who did and saw what, when - the own municipality's users only."""

from datetime import datetime, timedelta

import streamlit as st

from data_access.audit import action_label
from data_access.scope import Role
from locale_da import COPENHAGEN, number
from ui import admin, data
from ui.guard import page_scope
from ui.tables import in_local_time, show_table

ALL_USERS = "alle"
DEFAULT_DAYS = 30

scope = page_scope(Role.ADMIN)
municipality = data.municipality_name(scope.municipality_code)
st.title("Logbog")
st.caption(f"Hvem har set hvilke borgere og sager, og hvem har ændret brugere og data, for brugerne i {municipality} "
           "Kommune. Borgere står med pseudonym, aldrig med CPR-nummer.")

users = admin.users_of(scope)
today = datetime.now(COPENHAGEN).date()
user_column, action_column, date_column = st.columns([1, 2, 1])
username = user_column.selectbox("Bruger", [ALL_USERS, *users["username"]], key="audit_user",
                                 format_func=lambda u: "Alle brugere" if u == ALL_USERS else u)
actions = action_column.multiselect("Handling", admin.logged_actions(scope), key="audit_actions",
                                    format_func=action_label, placeholder="Alle handlinger")
period = date_column.date_input("Periode", (today - timedelta(days=DEFAULT_DAYS), today), key="audit_period",
                                format="DD.MM.YYYY", max_value=today)
start, end = (period[0], period[-1]) if period else (None, None)

entries = admin.audit_entries(scope, None if username == ALL_USERS else username, actions, start, end)
st.caption(f"{number(len(entries))} hændelser.")
shown = entries.assign(at=in_local_time(entries["at"]), action=entries["action"].map(action_label)).rename(columns={
    "at": "Tidspunkt", "username": "Brugernavn", "display_name": "Navn", "action": "Handling", "detail": "Detaljer"})
show_table(shown, key="audit", file_name="logbog.csv")
