"""Report subscriptions (F-DIST-*): who gets which report, how and how often, and every delivery.

A subscription names a report (``standard:<key>`` or ``saved:<id>``), recipients (users of the same
municipality with an e-mail address), a format (pdf, xlsx, csv), a delivery (a link into the app, or
an encrypted file whose password goes in a separate mail) and an interval (daily, weekly on Mondays,
monthly on the 1st). Leaders create them and see all of their municipality's (F-DIST-WHO); only the
owner changes or ends one.

The delivery log has one row per subscription × period × recipient: that key makes a re-run of the
send job for the same period send nothing twice. A row moves pending → sending → sent; a failure
leaves it failed with the error, the number of attempts and when to try again. ``file_sent_at`` marks
that the report mail went out, so a retry after a failed password mail sends only the password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from .appstate import AppState, UserRecord, current_appstate, metadata, now, users
from .scope import AccessDenied, Role, UserScope

FORMATS = {"pdf": "PDF", "xlsx": "Excel", "csv": "CSV"}
DELIVERIES = {"link": "Link til Overblik", "file": "Krypteret fil (adgangskode i en separat mail)"}
INTERVALS = {"daily": "Dagligt", "weekly": "Ugentligt (mandag)", "monthly": "Månedligt (den 1.)"}
STATUS_LABELS = {"pending": "Venter", "sending": "Sendes", "sent": "Sendt", "failed": "Fejlet"}
SUBSCRIBERS = (Role.LEADER,)
MAX_ATTEMPTS = 9  # three runs of three tries
CLAIM_MINUTES = 30  # a delivery another run is sending is left alone this long

subscription = Table(
    "subscription",
    metadata,
    Column("subscription_id", Integer, primary_key=True, autoincrement=True),
    Column("report_ref", String(40), nullable=False),
    Column("report_name", String(200), nullable=False),  # as it was named when subscribed, for the overview
    Column("owner", String(64), nullable=False),
    Column("municipality_code", SmallInteger, nullable=False, index=True),
    Column("file_format", String(8), nullable=False),
    Column("delivery", String(8), nullable=False),
    Column("interval", String(10), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
)

subscription_recipient = Table(
    "subscription_recipient",
    metadata,
    Column("subscription_id", Integer, ForeignKey("subscription.subscription_id"), primary_key=True),
    Column("username", String(64), primary_key=True),
)

delivery = Table(
    "report_delivery",
    metadata,
    Column("delivery_id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", Integer, ForeignKey("subscription.subscription_id"), nullable=False),
    Column("period_key", String(12), nullable=False),  # 2026-12-01, 2026-W49 or 2026-12
    Column("recipient", String(64), nullable=False),
    Column("email", String(200)),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    Column("last_attempt_at", DateTime),
    Column("next_attempt_at", DateTime),
    Column("file_sent_at", DateTime),  # the report mail is out; only the password mail may be missing
    Column("sent_at", DateTime),
    Column("error", String(2000)),
    UniqueConstraint("subscription_id", "period_key", "recipient", name="one_delivery_per_period"),
)

class SubscriptionError(ValueError):
    """A subscription that cannot be stored as asked; the message is Danish."""


@dataclass(frozen=True)
class Subscription:
    subscription_id: int
    report_ref: str
    report_name: str
    owner: str
    municipality_code: int
    file_format: str
    delivery: str
    interval: str
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class Delivery:
    delivery_id: int
    subscription_id: int
    period_key: str
    recipient: str
    attempts: int
    file_sent: bool


def subscribe(scope: UserScope, report_ref: str, report_name: str, recipients: list[str], file_format: str,
              delivery_kind: str, interval: str, appstate: AppState | None = None) -> int:
    """A new subscription owned by the user; the caller has checked that the user may open the report."""
    scope.require(*SUBSCRIBERS)
    _check_choice(file_format, FORMATS, "format")
    _check_choice(delivery_kind, DELIVERIES, "levering")
    _check_choice(interval, INTERVALS, "interval")
    store = _store(appstate)
    names = _checked_recipients(scope, recipients, store)
    with store.engine.begin() as connection:
        subscription_id = int(connection.execute(insert(subscription).values(
            report_ref=report_ref, report_name=report_name[:200], owner=scope.username,
            municipality_code=scope.municipality_code, file_format=file_format, delivery=delivery_kind,
            interval=interval, active=True, created_at=now())).inserted_primary_key[0])
        connection.execute(insert(subscription_recipient), [
            {"subscription_id": subscription_id, "username": name} for name in names])
    store.audit(scope, "subscribe", f"abonnement {subscription_id}: {report_ref} til {', '.join(names)}")
    return subscription_id


def set_recipients(scope: UserScope, subscription_id: int, recipients: list[str],
                   appstate: AppState | None = None) -> None:
    store = _store(appstate)
    _owned(scope, subscription_id, store)
    names = _checked_recipients(scope, recipients, store)
    with store.engine.begin() as connection:
        connection.execute(delete(subscription_recipient).where(
            subscription_recipient.c.subscription_id == subscription_id))
        connection.execute(insert(subscription_recipient), [
            {"subscription_id": subscription_id, "username": name} for name in names])
    store.audit(scope, "subscription_recipients", f"abonnement {subscription_id}: {', '.join(names)}")


def end_subscription(scope: UserScope, subscription_id: int, appstate: AppState | None = None) -> None:
    store = _store(appstate)
    _owned(scope, subscription_id, store)
    with store.engine.begin() as connection:
        connection.execute(update(subscription).where(subscription.c.subscription_id == subscription_id)
                           .values(active=False))
    store.audit(scope, "unsubscribe", f"abonnement {subscription_id}")


def recipients_to_choose(scope: UserScope, appstate: AppState | None = None) -> pd.DataFrame:
    """Active users of the user's municipality with an e-mail address: username, display_name, role, email."""
    scope.require(*SUBSCRIBERS)
    with _store(appstate).engine.connect() as connection:
        rows = connection.execute(
            select(users.c.username, users.c.display_name, users.c.role, users.c.email)
            .where(users.c.municipality_code == scope.municipality_code, users.c.active.is_(True),
                   users.c.email.is_not(None), users.c.email != "")
            .order_by(users.c.display_name)).mappings().all()
    return pd.DataFrame(rows, columns=["username", "display_name", "role", "email"])


def who_gets_what(scope: UserScope, appstate: AppState | None = None) -> pd.DataFrame:
    """F-DIST-WHO: every active subscription of the municipality, one row per recipient."""
    scope.require(*SUBSCRIBERS)
    statement = (
        select(subscription.c.subscription_id, subscription.c.report_ref, subscription.c.report_name,
               subscription.c.owner, subscription_recipient.c.username.label("recipient"),
               users.c.display_name.label("recipient_name"), users.c.email, subscription.c.file_format,
               subscription.c.delivery, subscription.c.interval, subscription.c.created_at)
        .select_from(subscription.join(subscription_recipient,
                                       subscription_recipient.c.subscription_id == subscription.c.subscription_id)
                     .outerjoin(users, users.c.username == subscription_recipient.c.username))
        .where(subscription.c.municipality_code == scope.municipality_code, subscription.c.active.is_(True))
        .order_by(subscription.c.report_name, subscription.c.subscription_id, users.c.display_name)
    )
    with _store(appstate).engine.connect() as connection:
        rows = connection.execute(statement).mappings().all()
    return pd.DataFrame(rows, columns=["subscription_id", "report_ref", "report_name", "owner", "recipient",
                                       "recipient_name", "email", "file_format", "delivery", "interval",
                                       "created_at"])


def delivery_log(scope: UserScope, limit: int = 200, appstate: AppState | None = None) -> pd.DataFrame:
    """The newest deliveries of the municipality's subscriptions, failures with their error."""
    scope.require(*SUBSCRIBERS)
    statement = (
        select(delivery.c.delivery_id, delivery.c.subscription_id, subscription.c.report_name, delivery.c.period_key,
               delivery.c.recipient, delivery.c.email, delivery.c.status, delivery.c.attempts,
               delivery.c.last_attempt_at, delivery.c.next_attempt_at, delivery.c.file_sent_at, delivery.c.sent_at,
               delivery.c.error)
        .select_from(delivery.join(subscription, subscription.c.subscription_id == delivery.c.subscription_id))
        .where(subscription.c.municipality_code == scope.municipality_code)
        .order_by(delivery.c.delivery_id.desc()).limit(limit)
    )
    with _store(appstate).engine.connect() as connection:
        rows = connection.execute(statement).mappings().all()
    return pd.DataFrame(rows, columns=["delivery_id", "subscription_id", "report_name", "period_key", "recipient",
                                       "email", "status", "attempts", "last_attempt_at", "next_attempt_at",
                                       "file_sent_at", "sent_at", "error"])


# --- for the send job, which runs as the system, not as a user -----------------------------------

def active_subscriptions(appstate: AppState | None = None) -> list[Subscription]:
    with _store(appstate).engine.connect() as connection:
        rows = connection.execute(select(subscription).where(subscription.c.active.is_(True))
                                  .order_by(subscription.c.subscription_id)).mappings().all()
        recipients = connection.execute(select(subscription_recipient)).all()
    by_subscription: dict[int, list[str]] = {}
    for subscription_id, username in recipients:
        by_subscription.setdefault(subscription_id, []).append(username)
    return [Subscription(r["subscription_id"], r["report_ref"], r["report_name"], r["owner"], r["municipality_code"],
                         r["file_format"], r["delivery"], r["interval"], tuple(sorted(by_subscription.get(
                             r["subscription_id"], []))))
            for r in rows]


def subscription_by_id(subscription_id: int, appstate: AppState | None = None) -> Subscription | None:
    return next((s for s in active_subscriptions(appstate) if s.subscription_id == subscription_id), None)


def recipient_user(username: str, municipality_code: int, appstate: AppState | None = None) -> UserRecord | None:
    """The recipient if still an active user of the subscription's municipality."""
    user = _store(appstate).user(username)
    return user if user is not None and user.municipality_code == municipality_code else None


def claim(subscription_id: int, period_key: str, recipient: str, appstate: AppState | None = None,
          at: datetime | None = None) -> Delivery | None:
    """The delivery to work on now, marked as being sent; None when it is sent already, another run is
    sending it, it has used its attempts, or its next attempt is not due yet."""
    store, at = _store(appstate), at or now()
    try:
        with store.engine.begin() as connection:
            connection.execute(insert(delivery).values(
                subscription_id=subscription_id, period_key=period_key, recipient=recipient, status="pending",
                attempts=0, created_at=at))
    except IntegrityError:
        pass  # the idempotency key: this subscription, period and recipient has a row already
    key = ((delivery.c.subscription_id == subscription_id) & (delivery.c.period_key == period_key)
           & (delivery.c.recipient == recipient))
    stale = at - timedelta(minutes=CLAIM_MINUTES)
    with store.engine.begin() as connection:
        row = connection.execute(select(delivery).where(key)).mappings().one()
        open_status = row["status"] in ("pending", "failed") or (
            row["status"] == "sending" and row["last_attempt_at"] is not None and row["last_attempt_at"] < stale)
        due = row["next_attempt_at"] is None or row["next_attempt_at"] <= at
        if not (open_status and due and row["attempts"] < MAX_ATTEMPTS):
            return None
        # Only if no other run changed the row since it was read: two runs never send the same delivery.
        claimed = connection.execute(update(delivery).where(
            key, delivery.c.status == row["status"], delivery.c.attempts == row["attempts"])
            .values(status="sending", last_attempt_at=at)).rowcount
    if not claimed:
        return None
    return Delivery(row["delivery_id"], subscription_id, period_key, recipient, row["attempts"],
                    row["file_sent_at"] is not None)


def mark_file_sent(delivery_id: int, appstate: AppState | None = None) -> None:
    with _store(appstate).engine.begin() as connection:
        connection.execute(update(delivery).where(delivery.c.delivery_id == delivery_id).values(file_sent_at=now()))


def record(delivery_id: int, status: str, attempts: int, email: str | None, error: str | None = None,
           next_attempt_at: datetime | None = None, appstate: AppState | None = None) -> None:
    stamp = now()
    with _store(appstate).engine.begin() as connection:
        connection.execute(update(delivery).where(delivery.c.delivery_id == delivery_id).values(
            status=status, attempts=attempts, email=email, error=(error or None) and error[:2000],
            last_attempt_at=stamp, next_attempt_at=next_attempt_at, sent_at=stamp if status == "sent" else None))


def unfinished(appstate: AppState | None = None) -> list[tuple[int, str, str]]:
    """(subscription, period, recipient) of deliveries of earlier runs still to finish."""
    with _store(appstate).engine.connect() as connection:
        rows = connection.execute(
            select(delivery.c.subscription_id, delivery.c.period_key, delivery.c.recipient)
            .join(subscription, subscription.c.subscription_id == delivery.c.subscription_id)
            .where(subscription.c.active.is_(True), delivery.c.status.in_(("failed", "pending", "sending")),
                   delivery.c.attempts < MAX_ATTEMPTS)
            .order_by(delivery.c.delivery_id)).all()
    return [tuple(row) for row in rows]


def _checked_recipients(scope: UserScope, recipients: list[str], store: AppState) -> list[str]:
    names = sorted({name.strip().lower() for name in recipients if name and name.strip()})
    if not names:
        raise SubscriptionError("Vælg mindst én modtager.")
    allowed = recipients_to_choose(scope, store)
    unknown = [name for name in names if name not in set(allowed["username"])]
    if unknown:
        raise SubscriptionError("Modtagerne skal være aktive brugere i din kommune med en e-mailadresse: "
                                + ", ".join(unknown) + " er ikke.")
    return names


def _owned(scope: UserScope, subscription_id: int, store: AppState) -> None:
    scope.require(*SUBSCRIBERS)
    with store.engine.connect() as connection:
        row = connection.execute(select(subscription.c.owner, subscription.c.municipality_code).where(
            subscription.c.subscription_id == subscription_id)).first()
    if row is None or row.owner != scope.username or row.municipality_code != scope.municipality_code:
        raise AccessDenied("Du kan kun ændre dine egne abonnementer.")


def _check_choice(value: str, choices: dict[str, str], what: str) -> None:
    if value not in choices:
        raise SubscriptionError(f"Ukendt {what} {value!r}; vælg " + ", ".join(choices) + ".")


def _store(appstate: AppState | None) -> AppState:
    """The store, with the subscription tables in it: a store created before this module was imported lacks them."""
    return (appstate or current_appstate()).ensure_tables(subscription, subscription_recipient, delivery)
