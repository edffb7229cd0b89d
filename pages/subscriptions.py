"""Abonnementer: send a report to colleagues at fixed intervals, see who gets what and how delivery went.

F-DIST-SCHEDULE, F-DIST-FORMATS, F-DIST-WHO and F-DIST-LINKORFILE. The mails go out from the send job
after the nightly data load (docs/reports.md), each recipient's figures computed with their own rights.
"""

import streamlit as st

from data_access import subscriptions as log
from data_access.scope import AccessDenied, Role
from reports.distribution import subscribe
from reports.library import all_reports
from ui.guard import page_scope
from ui.tables import in_local_time, show_table

scope = page_scope(Role.LEADER)
st.title("Abonnementer")
st.caption("Rapporterne sendes efter den natlige dataindlæsning: dagligt, ugentligt om mandagen eller månedligt den "
           "1. Hver modtager får tallene beregnet med sine egne rettigheder.")

if "subscription_message" in st.session_state:
    st.success(st.session_state.pop("subscription_message"))

reports = {entry.ref: entry for entry in all_reports(scope)}
people = log.recipients_to_choose(scope)
names = dict(zip(people["username"], people["display_name"] + " <" + people["email"] + ">", strict=True))

with st.form("new_subscription", clear_on_submit=False, border=True):
    st.markdown("**Nyt abonnement**")
    ref = st.selectbox("Rapport", list(reports), format_func=lambda r: reports[r].name, key="subscription_report")
    recipients = st.multiselect("Modtagere", list(names), format_func=names.get, key="subscription_recipients",
                                help="Brugere i din kommune med en e-mailadresse.")
    left, middle, right = st.columns(3)
    file_format = left.radio("Format", list(log.FORMATS), format_func=log.FORMATS.get, key="subscription_format")
    delivery = middle.radio("Levering", list(log.DELIVERIES), format_func=log.DELIVERIES.get, index=1,
                            key="subscription_delivery")
    interval = right.radio("Interval", list(log.INTERVALS), format_func=log.INTERVALS.get, index=2,
                           key="subscription_interval")
    if st.form_submit_button("Opret abonnement", icon=":material/forward_to_inbox:", type="primary"):
        try:
            subscribe(scope, ref, recipients, file_format, delivery, interval)
        except (log.SubscriptionError, AccessDenied) as error:
            st.error(str(error))
        else:
            st.session_state["subscription_message"] = (
                f"{reports[ref].name} sendes {log.INTERVALS[interval].lower()} til "
                + ", ".join(names[r].split(" <")[0] for r in recipients) + ".")
            st.rerun()

st.subheader("Hvem får hvad")
overview = log.who_gets_what(scope)
if overview.empty:
    st.info("Kommunen har ingen abonnementer endnu.")
else:
    shown = overview.assign(
        file_format=overview["file_format"].map(log.FORMATS), delivery=overview["delivery"].map(log.DELIVERIES),
        interval=overview["interval"].map(log.INTERVALS), created_at=in_local_time(overview["created_at"]),
    ).rename(columns={"subscription_id": "Abonnement", "report_name": "Rapport", "owner": "Oprettet af",
                      "recipient_name": "Modtager", "email": "E-mail", "file_format": "Format",
                      "delivery": "Levering", "interval": "Interval", "created_at": "Oprettet"})
    show_table(shown[["Abonnement", "Rapport", "Modtager", "E-mail", "Format", "Levering", "Interval", "Oprettet af",
                      "Oprettet"]], key="who_gets_what", file_name="abonnementer.csv")
    own = sorted(set(overview.loc[overview["owner"] == scope.username, "subscription_id"]))
    if own:
        left, right = st.columns([3, 1])
        chosen = left.selectbox("Afslut et af dine abonnementer", own, key="subscription_to_end",
                                format_func=lambda i: f"{i}: " + overview.loc[overview["subscription_id"] == i,
                                                                             "report_name"].iloc[0])
        if right.button("Afslut abonnementet", icon=":material/cancel_schedule_send:"):
            log.end_subscription(scope, int(chosen))
            st.session_state["subscription_message"] = f"Abonnement {chosen} er afsluttet."
            st.rerun()

st.subheader("Udsendelser")
deliveries = log.delivery_log(scope)
if deliveries.empty:
    st.info("Der er ikke sendt noget endnu.")
else:
    for column in ("last_attempt_at", "next_attempt_at", "sent_at"):
        deliveries[column] = in_local_time(deliveries[column])
    failed = int((deliveries["status"] == "failed").sum())
    if failed:
        st.warning(f"{failed} udsendelser er fejlet; de forsøges igen ved de næste kørsler.")
    deliveries["status"] = deliveries["status"].map(log.STATUS_LABELS)
    show_table(deliveries.rename(columns={
        "subscription_id": "Abonnement", "report_name": "Rapport", "period_key": "Periode", "recipient": "Modtager",
        "email": "E-mail", "status": "Status", "attempts": "Forsøg", "last_attempt_at": "Seneste forsøg",
        "next_attempt_at": "Næste forsøg", "sent_at": "Sendt", "error": "Fejl"})[
        ["Abonnement", "Rapport", "Periode", "Modtager", "E-mail", "Status", "Forsøg", "Seneste forsøg",
         "Næste forsøg", "Sendt", "Fejl"]], key="delivery_log", file_name="udsendelser.csv", height=320)
