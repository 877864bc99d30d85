"""The mail pipeline: every way an application arrives (a file or a mail-server pipe through
`ingest_email`, IMAP polling, a Maildir import, and the web form) runs the same rules.

- `store`: the raw bytes and row first, the message's keys claimed (duplicates).
- `mime`: reading the message (headers decoded as read, parts walked, file names).
- `triage`: bounces, auto-replies, list mail, senders, authentication.
- `documents`: what a file really is (structure, not names); `attachments`: storing accepted files.
- `routing`: the thread or open application a message belongs to, the call of a new one.
- `pipeline`: the steps in order, one outcome per message, exactly once.
- `acknowledgements`, `web`, `imap`, `maildir`: the ways in and the one reply.

This module is the package's public face: `from applications import intake; intake.ingest(...)`.
May import: `program` and the rest of `applications`; never `grants` or `demo`.
"""

from applications.intake.acknowledgements import acknowledge_application, acknowledge_pending
from applications.intake.pipeline import (
    IntakeResult,
    ingest,
    ingest_many,
    process,
    process_pending,
    reprocess,
    result_for,
)
from applications.intake.routing import DEFAULT_CALL_SLUG, default_call
from applications.intake.store import store_raw
from applications.intake.web import submit_web_application

__all__ = [
    "DEFAULT_CALL_SLUG",
    "IntakeResult",
    "acknowledge_application",
    "acknowledge_pending",
    "default_call",
    "ingest",
    "ingest_many",
    "process",
    "process_pending",
    "reprocess",
    "result_for",
    "store_raw",
    "submit_web_application",
]
