"""The send job (``python -m reports send``): deliver every subscription that is due, once.

Run it after the nightly ETL (docs/operations.md). For each active subscription due today (daily; weekly
on Mondays; monthly on the 1st) and each recipient, it claims the delivery for that period in the
log (data_access/subscriptions.py), so a second run the same day finds it sent and sends nothing. It
then renders the report with the recipient's own rights, so nobody receives more than they could
see in the app, and mails it:

- as a link into the app, or
- as an encrypted file - a PDF with an AES-256 password, or Excel or CSV in an AES-256 zip - with the
  password in a second, separate mail. The password is derived from a secret key and the delivery,
  so a retry after a failed password mail sends the same one, and it is never stored.

A mail that fails is tried again at once with a growing pause (retry_delay, twice that, ...); if it
still fails, the delivery is logged as failed with the reason and taken up again by the next runs,
each waiting longer, up to MAX_ATTEMPTS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage

from data_access import subscriptions as log
from data_access.appstate import AppState, current_appstate, now
from data_access.scope import AccessDenied, Role, UserScope
from data_access.settings import SmtpSettings, load_smtp_settings, secret
from data_access.warehouse import WarehouseMissing
from kpi.engine import KpiEngine
from locale_da import COPENHAGEN, long_date

from .definition import DefinitionError
from .formats import file_name, render_file
from .library import resolve
from .render import RenderedReport, render

TRIES_PER_RUN = 3
RETRY_DELAY_SECONDS = 5.0
NEXT_RUN_BACKOFF = timedelta(minutes=30)
PASSWORD_KEY = "report_password"
SENDER_SCOPE_NAME = "udsendelse"  # how the job appears in the audit log


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"Udsendelse: {self.sent} sendt, {self.failed} fejlet, {self.skipped} allerede sendt eller ikke "
                 "klar til et nyt forsøg."]
        return "\n".join(lines + [f"- {error}" for error in self.errors])


class DeliveryFailed(Exception):
    """A delivery that cannot be made; ``final`` when trying again cannot help. The message is Danish."""

    def __init__(self, message: str, final: bool = False):
        super().__init__(message)
        self.final = final


def subscribe(scope: UserScope, ref: str, recipients: list[str], file_format: str, delivery_kind: str,
              interval: str, appstate: AppState | None = None) -> int:
    """Subscribe colleagues to a report the user may open."""
    entry = resolve(scope, ref, appstate)
    return log.subscribe(scope, ref, entry.name, recipients, file_format, delivery_kind, interval, appstate)


def period_key(interval: str, today: date) -> str | None:
    """The period a subscription is sent for today, or None when it is not due today."""
    if interval == "daily":
        return today.isoformat()
    if interval == "weekly":
        year, week, weekday = today.isocalendar()
        return f"{year}-W{week:02d}" if weekday == 1 else None
    if interval == "monthly":
        return f"{today:%Y-%m}" if today.day == 1 else None
    raise ValueError(f"ukendt interval {interval!r}")


def local_today() -> date:
    return datetime.now(COPENHAGEN).date()


def send_due(today: date | None = None, retry_delay: float | None = None, appstate: AppState | None = None,
             engine: KpiEngine | None = None, smtp: SmtpSettings | None = None,
             sleep: Callable[[float], None] = time.sleep) -> Outcome:
    today = today or local_today()
    appstate = appstate or current_appstate()
    smtp = smtp or load_smtp_settings()
    delay = RETRY_DELAY_SECONDS if retry_delay is None else retry_delay
    subscriptions = {s.subscription_id: s for s in log.active_subscriptions(appstate)}
    work: list[tuple[int, str, str]] = []
    for subscription in subscriptions.values():
        key = period_key(subscription.interval, today)
        if key:
            work += [(subscription.subscription_id, key, recipient) for recipient in subscription.recipients]
    work += [item for item in log.unfinished(appstate) if item not in work and item[0] in subscriptions]
    outcome = Outcome()
    engine_holder: list[KpiEngine] = [engine] if engine else []
    for subscription_id, key, recipient in work:
        claimed = log.claim(subscription_id, key, recipient, appstate)
        if claimed is None:
            outcome.skipped += 1
            continue
        subscription = subscriptions[subscription_id]
        user = log.recipient_user(recipient, subscription.municipality_code, appstate)
        email = user.email if user else None
        try:
            if user is None or not email:
                raise DeliveryFailed("Modtageren er ikke længere en aktiv bruger i kommunen med en e-mailadresse.",
                                     final=True)
            if not engine_holder:
                engine_holder.append(KpiEngine.default())
            tries = _deliver(subscription, claimed, user.scope(), email, appstate, engine_holder[0], smtp, delay,
                             sleep)
        except DeliveryFailed as error:
            attempts = log.MAX_ATTEMPTS if error.final else claimed.attempts + getattr(error, "tries", 1)
            backoff = NEXT_RUN_BACKOFF * 2 ** (attempts // TRIES_PER_RUN)
            log.record(claimed.delivery_id, "failed", attempts, email, str(error), now() + backoff, appstate)
            outcome.failed += 1
            outcome.errors.append(f"{subscription.report_name} til {recipient} ({key}): {error}")
            continue
        log.record(claimed.delivery_id, "sent", claimed.attempts + tries, email, appstate=appstate)
        _audit(appstate, subscription, f"{subscription.report_name} ({key}) sendt til {recipient} <{email}>")
        outcome.sent += 1
    return outcome


def _deliver(subscription: log.Subscription, claimed: log.Delivery, reader: UserScope, email: str,
             appstate: AppState, engine: KpiEngine, smtp: SmtpSettings, delay: float, sleep) -> int:
    """Send the mails of one delivery; returns how many tries the mails took in all."""
    entry = _report(subscription, appstate)
    if subscription.delivery == "link":
        link = f"{smtp.app_url}/reports?rapport={entry.ref}"
        message = _message(smtp, email, f"Overblik: {entry.name}", (
            f"Hej\n\nRapporten »{entry.name}« er klar i Overblik med de nyeste tal:\n\n{link}\n\n"
            "Log ind med din sædvanlige bruger for at se den.\n\nVenlig hilsen\nOverblik\n"))
        return _send(message, smtp, delay, sleep)
    try:
        report = render(entry.definition, reader, entry.name, engine, appstate)
    except (AccessDenied, DefinitionError) as error:
        raise DeliveryFailed(f"Rapporten kan ikke laves for modtageren: {error}", final=True) from error
    except WarehouseMissing as error:
        raise DeliveryFailed(str(error)) from error
    password = delivery_password(claimed.delivery_id)
    tries = 0
    if not claimed.file_sent:
        attachment, name = protected_file(report, subscription.file_format, password)
        message = _message(smtp, email, f"Overblik: {report.name}, data pr. {long_date(report.data_as_of)}", (
            f"Hej\n\nHer er rapporten »{report.name}« for {report.municipality_name} Kommune, {report.period}, "
            f"med data pr. {long_date(report.data_as_of)}.\n\nFilen er krypteret. Adgangskoden kommer i en "
            "separat mail.\n\nVenlig hilsen\nOverblik\n"))
        maintype, subtype = ("application", "pdf") if name.endswith(".pdf") else ("application", "zip")
        message.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=name)
        tries += _send(message, smtp, delay, sleep)
        log.mark_file_sent(claimed.delivery_id, appstate)
    message = _message(smtp, email, f"Overblik: adgangskode til {report.name}", (
        f"Hej\n\nAdgangskoden til filen med rapporten »{report.name}« (data pr. {long_date(report.data_as_of)}) "
        f"er:\n\n{password}\n\nVenlig hilsen\nOverblik\n"))
    return tries + _send(message, smtp, delay, sleep)


def _report(subscription: log.Subscription, appstate: AppState):
    """The subscribed report as its owner may open it (a private report of the owner goes to the recipients
    the owner chose; its figures are still computed with each recipient's rights)."""
    owner = appstate.user(subscription.owner)
    if owner is None or owner.municipality_code != subscription.municipality_code:
        raise DeliveryFailed("Abonnementets ejer er ikke længere bruger i kommunen.", final=True)
    try:
        return resolve(owner.scope(), subscription.report_ref, appstate)
    except AccessDenied as error:
        raise DeliveryFailed("Rapporten findes ikke længere.", final=True) from error


def protected_file(report: RenderedReport, file_format: str, password: str) -> tuple[bytes, str]:
    """A PDF with an AES-256 password, or the Excel or CSV file in an AES-256 encrypted zip."""
    data, name = render_file(report, file_format), file_name(report, file_format)
    if file_format == "pdf":
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue(), name
    import pyzipper

    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode("utf-8"))
        archive.writestr(name, data)
    return buffer.getvalue(), name.rsplit(".", 1)[0] + ".zip"


def delivery_password(delivery_id: int) -> str:
    """20 characters from a keyed hash of the delivery: the same on every retry, never stored anywhere."""
    digest = hmac.new(secret(PASSWORD_KEY).encode("ascii"), f"delivery:{delivery_id}".encode(), hashlib.sha256)
    return base64.b32encode(digest.digest()).decode("ascii")[:20]


def _message(smtp: SmtpSettings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = smtp.sender, to, subject
    message.set_content(body)
    return message


def _send(message: EmailMessage, smtp: SmtpSettings, delay: float, sleep) -> int:
    """Send one mail, trying again after delay, 2 × delay, ...; returns the number of tries it took."""
    for attempt in range(1, TRIES_PER_RUN + 1):
        try:
            _smtp_send(message, smtp)
            return attempt
        except (smtplib.SMTPException, OSError) as error:
            if attempt == TRIES_PER_RUN:
                failure = DeliveryFailed(f"Mailserveren {smtp.host}:{smtp.port} afviste eller svarede ikke "
                                         f"({TRIES_PER_RUN} forsøg): {error}")
                failure.tries = TRIES_PER_RUN
                raise failure from error
            sleep(delay * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def _smtp_send(message: EmailMessage, smtp: SmtpSettings) -> None:
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        client.send_message(message)


def _audit(appstate: AppState, subscription: log.Subscription, detail: str) -> None:
    appstate.audit(UserScope(SENDER_SCOPE_NAME, Role.ADMIN, subscription.municipality_code), "send_report", detail)
