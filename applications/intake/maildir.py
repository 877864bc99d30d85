"""Importing a Maildir: every unread message goes through the same pipeline as ingest_email; afterwards
it is moved to cur/ and marked seen (S), so importing again skips it. A crash in between re-reads the
message next time, which the pipeline answers with duplicate_ignored: nothing is created twice."""

from __future__ import annotations

import mailbox
from collections import deque

from applications.intake.pipeline import ingest_many
from applications.models import InboundMessage


class MaildirError(Exception):
    """The folder cannot be read as a Maildir (the sentence says why)."""


def import_unread(path: str, *, call_slug: str | None = None) -> dict[str, int]:
    """Ingest the unread messages of the Maildir at `path`; returns how many got each outcome."""
    try:
        box = mailbox.Maildir(path, factory=None, create=False)
        keys = list(box.iterkeys())
    except (OSError, mailbox.Error) as exc:
        raise MaildirError(f"Cannot read Maildir {path!r}: {exc}") from exc
    counts: dict[str, int] = {}
    unread: deque[tuple[str, mailbox.MaildirMessage]] = deque()

    def messages():
        for key in keys:
            message = box.get_message(key)
            if "S" not in message.get_flags():
                unread.append((key, message))
                yield box.get_bytes(key), f"{path}:{key}"

    for result in ingest_many(messages(), source=InboundMessage.Source.MAILDIR, call_slug=call_slug):
        key, message = unread.popleft()  # results come back in the order the messages were read
        message.set_subdir("cur")
        message.add_flag("S")
        box[key] = message
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return counts
