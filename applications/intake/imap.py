"""IMAP polling: fetch new messages, run each through the intake pipeline, then flag (or move) it.

New means "not yet flagged $RunwayIngested", so people reading the same mailbox do not hide mail
from Runway by opening it. A crash between fetching and flagging fetches the message again next
time, and the pipeline answers duplicate_ignored: no application is created twice.
"""

from __future__ import annotations

import imaplib
import logging
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings

from applications.intake.pipeline import ingest_many
from applications.models import InboundMessage
from program.locks import held

log = logging.getLogger(__name__)
KEYWORD = "$RunwayIngested"


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    ssl: bool
    username: str
    password: str
    folder: str = "INBOX"
    processed_folder: str = ""
    call_slug: str | None = None

    @classmethod
    def from_url(cls, url: str) -> Mailbox:
        """imap[s]://user:password@host[:port]/FOLDER[?processed=FOLDER&call=SLUG]"""
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise ValueError(f"Not an IMAP URL: {parts.scheme}://{parts.hostname or '?'}")
        query = parse_qs(parts.query)
        ssl = parts.scheme == "imaps"
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if ssl else 143),
            ssl=ssl,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
            processed_folder=query.get("processed", [""])[0],
            call_slug=query.get("call", [None])[0],
        )

    @property
    def label(self) -> str:
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"


def poll(mailbox: Mailbox, *, limit: int = 500) -> dict[str, int]:
    """Process up to `limit` new messages of one mailbox; returns counts per outcome."""
    counts: dict[str, int] = {}
    conn_cls = imaplib.IMAP4_SSL if mailbox.ssl else imaplib.IMAP4
    conn = conn_cls(mailbox.host, mailbox.port, timeout=settings.INBOUND_IMAP_TIMEOUT)
    try:
        conn.login(mailbox.username, mailbox.password)
        typ, data = conn.select(_quote(mailbox.folder))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot select {mailbox.folder}: {data}")
        validity = (conn.response("UIDVALIDITY")[1] or [b"?"])[0]
        validity = validity.decode() if isinstance(validity, bytes) else str(validity)
        typ, data = conn.uid("SEARCH", None, "NOT", "KEYWORD", KEYWORD, "NOT", "DELETED")
        uids = data[0].split() if typ == "OK" and data and data[0] else []
        fetched: deque[str] = deque()
        messages = _fetch(conn, mailbox, [uid.decode() for uid in uids[:limit]], validity, fetched)
        for result in ingest_many(messages, source=InboundMessage.Source.IMAP, call_slug=mailbox.call_slug):
            uid = fetched.popleft()  # results come back in the order the messages were fetched
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
            conn.uid("STORE", uid, "+FLAGS", f"({KEYWORD} \\Seen)")
            if mailbox.processed_folder:
                if conn.uid("COPY", uid, _quote(mailbox.processed_folder))[0] == "OK":
                    conn.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
        if mailbox.processed_folder:
            conn.expunge()
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return counts


def _fetch(
    conn: imaplib.IMAP4, mailbox: Mailbox, uids: list[str], validity: str, fetched: deque[str]
) -> Iterator[tuple[bytes, str]]:
    """The messages' bytes, one FETCH at a time (BODY.PEEK: reading sets no \\Seen); the UIDs handed
    out are appended to `fetched`, so the caller can flag each one once its message is processed."""
    for uid in uids:
        typ, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = next((item[1] for item in data or [] if isinstance(item, tuple)), None)
        if typ != "OK" or raw is None:
            log.warning("IMAP %s: could not fetch UID %s", mailbox.label, uid)
            continue
        fetched.append(uid)
        yield raw, f"{mailbox.label};UIDVALIDITY={validity};UID={uid}"


def poll_all() -> int:
    """Poll every configured mailbox, one poll per mailbox at a time; returns messages processed."""
    total = 0
    for url in settings.INBOUND_IMAP_URLS:
        try:
            mailbox = Mailbox.from_url(url)
        except ValueError as exc:
            log.error("INBOUND_IMAP_URLS entry ignored: %s", exc)
            continue
        # Every worker on every host polls on beat's schedule: one poll per mailbox at a time, or each
        # would fetch the same unflagged messages (the Message-ID check would keep the applications
        # single, but the inbox would fill with duplicates).
        with held(f"imap-poll:{mailbox.label}") as mine:
            if not mine:
                log.info("IMAP %s: a poll is already running", mailbox.label)
                continue
            try:
                counts = poll(mailbox)
                total += sum(counts.values())
                if counts:
                    log.info("IMAP %s: %s", mailbox.label, counts)
            except (imaplib.IMAP4.error, OSError) as exc:
                log.error("IMAP %s: poll failed: %s", mailbox.label, exc)
    return total


def _quote(folder: str) -> str:
    return folder if re.fullmatch(r"[A-Za-z0-9_./-]+", folder) else '"' + folder.replace('"', '\\"') + '"'
