"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), keeping every mail it accepts."""

from __future__ import annotations

import email
import email.policy
import time
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from bench.server import free_port


class Mailbox:
    """The SMTP handler: accepts mail into ``messages``, or refuses the next ``refuse`` ones with 451."""

    def __init__(self, refuse: int = 0):
        self.messages: list[EmailMessage] = []
        self.refuse = refuse
        self.refused_at: list[float] = []
        self.accepted_at: list[float] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            self.refused_at.append(time.monotonic())
            return "451 4.3.0 Prøv igen senere"
        self.accepted_at.append(time.monotonic())
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@contextmanager
def smtp_server(refuse: int = 0):
    """Yields (mailbox, port) while the server runs."""
    mailbox = Mailbox(refuse)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def attachment(message: EmailMessage) -> tuple[str, bytes]:
    part = next(message.iter_attachments())
    return part.get_filename(), part.get_content()


def password_in(message: EmailMessage) -> str:
    """The password line of a password mail: the line after 'er:'."""
    lines = [line.strip() for line in message.get_body(("plain",)).get_content().splitlines()]
    return next(line for line in lines if line and line.isalnum() and line.isupper() and len(line) == 20)
