"""A real SMTP server on 127.0.0.1 (aiosmtpd) that counts what it accepts, for exactly-once tests."""

from __future__ import annotations

import asyncio
import threading
from email import message_from_bytes

from aiosmtpd.controller import Controller

from .dovecot import free_port


class CountingHandler:
    def __init__(self):
        self.messages: list = []
        self.rcpt_seen = threading.Event()
        self.hold_rcpt = threading.Event()  # while set, the server stalls after RCPT TO

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        envelope.rcpt_tos.append(address)
        self.rcpt_seen.set()
        while self.hold_rcpt.is_set():
            await asyncio.sleep(0.05)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


class SmtpSink:
    def __init__(self):
        self.handler = CountingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.handler.hold_rcpt.clear()
        self.controller.stop()


def point_django_at(settings, port: int) -> None:
    """Django's SMTP backend, aimed at a sink on 127.0.0.1 (settings: django.conf.settings or pytest's)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
