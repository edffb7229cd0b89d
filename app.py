"""Overblik: sign-in, then the pages of the signed-in user's role."""

import streamlit as st

from ui import frame
from ui.auth import signed_in_user

st.set_page_config(page_title="Overblik", page_icon=":material/insights:", layout="wide")

user = signed_in_user()
if user is None:
    st.stop()
frame.run(user)
