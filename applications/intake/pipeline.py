"""Email intake: one pipeline behind every way mail arrives (file, mail-server pipe, IMAP, Maildir).

`ingest(raw, source=...)` stores the raw bytes first (private storage, SHA-256, Message-ID) and then
processes them. Processing is idempotent: the same message twice, by Message-ID or by raw hash, gives
`duplicate_ignored`, and re-running it on the same stored row gives the same result. Every outcome is
written to the InboundMessage row, with a reason code and a sentence an organizer can read.

The steps, in order (first match wins):
 1. over INBOUND_MAX_MESSAGE_BYTES                       → rejected / message_too_large
 2. seen before (Message-ID or SHA-256)                   → duplicate_ignored
 3. too many leaf parts / nested too deep                 → rejected / too_many_parts, too_deeply_nested
 4. a delivery report (multipart/report)                  → bounce_recorded (the outbound mail is marked)
 5. an auto-reply, or mail from our own address           → auto_reply_ignored (never answered)
 6. mailing-list or bulk mail                             → list_ignored
 7. no From / an unusable From                            → rejected / missing_sender, invalid_sender
 8. our trusted Authentication-Results says dmarc=fail    → rejected / auth_failed
 9. an executable, archive, macro document or active PDF  → rejected / executable_attachment, …
10. a reply to our mail (headers or apply+r-<token>@)     → reply_attached
11. the sender has an open application                    → application_updated
12. otherwise                                             → application_created (+ one acknowledgement)
An organizer can *release* a rejected message: steps 8 and 9 are skipped and refused files dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.message import Message
from email.parser import BytesParser

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from applications.intake.acknowledgements import acknowledge_after_commit
from applications.intake.attachments import add_documents, discard_files
from applications.intake.mime import Parsed, header_text, message_id, raw_header, sender, walk
from applications.intake.routing import find_thread, new_applicant, open_application, plus_tag, recipients_of, route
from applications.intake.store import claim, claim_or_duplicate, keys_of, raw_row, store_raw
from applications.intake.triage import (
    Stop,
    auto_reply_reason,
    check_authentication,
    check_sender,
    list_reason,
    record_bounce,
)
from applications.models import Application, Call, Document, InboundMessage
from applications.models import InboundOutcome as O
from applications.services import create_application
from program.models import User
from program.tasking import enqueue_on_commit
from program.text import clean_name, clean_text

log = logging.getLogger(__name__)


@dataclass
class IntakeResult:
    outcome: str
    message: InboundMessage
    application: Application | None = None
    applicant_email: str | None = None
    applicant_name: str | None = None
    resume_filename: str | None = None
    resume_sha256: str | None = None
    reason: str | None = None

    def as_json(self) -> dict:
        return {
            "outcome": self.outcome,
            "application": self.application.pk if self.application else None,
            "applicant_email": self.applicant_email,
            "applicant_name": self.applicant_name,
            "resume_filename": self.resume_filename,
            "resume_sha256": self.resume_sha256,
            "reason": self.reason,
        }


@dataclass
class Batch:
    """What the messages of one ingest_many chunk share: the calls looked up, the acknowledgements due."""

    calls: dict[str | None, Call] = field(default_factory=dict)
    acknowledgements: list[tuple[int, str]] = field(default_factory=list)


def ingest(raw: bytes, *, source: str, source_ref: str = "", call_slug: str | None = None) -> IntakeResult:
    message = store_raw(raw, source=source, source_ref=source_ref)
    return process(message, call_slug=call_slug, raw=raw)


def ingest_many(
    items: Iterable[tuple[bytes, str]],
    *,
    source: str,
    call_slug: str | None = None,
    chunk: int = 100,
    chunk_bytes: int = 32 * 1024 * 1024,
) -> Iterator[IntakeResult]:
    """Many messages in a row (an IMAP poll, a Maildir import): `(raw, source_ref)` pairs in, one result
    per message out, in order, with exactly the outcomes `ingest` gives. Cheaper per message: each chunk's
    raw bytes are stored and committed together (still before any of them is processed), each call is
    looked up once per chunk, and the acknowledgements are queued as one task per chunk. Each message is
    still processed in its own transaction, so one bad message costs nothing to the others; a crash
    leaves stored, unprocessed messages that the periodic sweep processes.

    A generator: the caller acts on each result (flags an IMAP message, marks a Maildir file seen) only
    after that message is processed."""
    batch: list[tuple[bytes, str]] = []
    size = 0
    for item in items:
        batch.append(item)
        size += len(item[0])
        if len(batch) >= chunk or size >= chunk_bytes:  # a chunk is held in memory: bounded both ways
            yield from _ingest_chunk(batch, source=source, call_slug=call_slug)
            batch, size = [], 0
    if batch:
        yield from _ingest_chunk(batch, source=source, call_slug=call_slug)


def _ingest_chunk(items: list[tuple[bytes, str]], *, source: str, call_slug: str | None) -> Iterator[IntakeResult]:
    messages = [raw_row(raw, source=source, source_ref=ref) for raw, ref in items]
    with transaction.atomic():
        InboundMessage.objects.bulk_create(messages)
    batch = Batch()
    try:
        for message, (raw, _) in zip(messages, items, strict=True):
            yield process(message, call_slug=call_slug, raw=raw, batch=batch)
    finally:
        if batch.acknowledgements:
            enqueue_on_commit("applications.tasks.task_acknowledge_applications", items=batch.acknowledgements)


# What processing writes; the stored facts (raw bytes, hash, size, source, arrival) are never rewritten.
_PROCESSING_FIELDS = [
    "message_id",
    "from_address",
    "from_name",
    "subject",
    "body_text",
    "call",
    "outcome",
    "reason",
    "detail",
    "application",
    "duplicate_of",
    "processed_at",
    "attempts",
    "released_by",
]


def process(
    message: InboundMessage,
    *,
    call_slug: str | None = None,
    released_by: User | None = None,
    raw: bytes | None = None,
    batch: Batch | None = None,
) -> IntakeResult:
    """Decide what a stored message is and record it. Never raises for anything inside the message.

    `raw` may be passed when the caller still holds the bytes it just stored; otherwise they are read back.
    `batch`: what the messages of one ingest_many chunk share (calls looked up, acknowledgements to queue).
    """
    if message.outcome != O.PENDING and released_by is None:
        return result_for(message)
    message.attempts += 1
    message._written_files = []  # files this attempt stores; removed again if it does not commit
    try:
        if raw is None:
            with message.raw.open("rb") as fh:
                raw = fh.read()
        with transaction.atomic():
            if released_by is not None:
                message.released_by = released_by
            message.processed_at = timezone.now()
            return _process(message, raw, call_slug=call_slug, release=released_by is not None, batch=batch)
    except _ProcessedMeanwhile:
        # Another worker (the sweep, a second poll) finished this message first; everything this run
        # did was rolled back, and its result is theirs.
        discard_files(message._written_files)
        message.__dict__.pop("_resume", None)
        message.refresh_from_db()
        return result_for(message)
    except Exception as exc:  # the last line of defence: a message can never crash the pipeline
        log.exception("Processing inbound message %s failed", message.pk)
        discard_files(message._written_files)
        return _reject_unprocessable(message, exc)


def _reject_unprocessable(message: InboundMessage, exc: Exception) -> IntakeResult:
    """Record a message the pipeline could not process as rejected / processing_error, in its own
    transaction, and claim its keys so that a redelivery is a duplicate rather than another failure.
    The raw bytes stay; an organizer can use Reprocess after a fix."""
    message.__dict__.pop("_resume", None)
    message.application, message.call, message.duplicate_of = None, None, None
    message.outcome, message.reason = O.REJECTED, "processing_error"
    message.detail = clean_text(
        f"Runway could not process this message ({type(exc).__name__}: {str(exc)[:300]}). "
        "It is kept; use Reprocess after a fix."
    )
    message.processed_at = timezone.now()
    for name in ("message_id", "from_address", "from_name", "subject", "body_text"):
        setattr(message, name, clean_text(getattr(message, name) or ""))
    try:
        with transaction.atomic():
            message.save(update_fields=_PROCESSING_FIELDS)
            claim(message.pk, keys_of(message))
    except Exception:
        log.exception("Recording inbound message %s as unprocessable failed; keeping only the outcome", message.pk)
        with transaction.atomic():
            InboundMessage.objects.filter(pk=message.pk).update(
                outcome=O.REJECTED,
                reason="processing_error",
                detail=message.detail,
                processed_at=message.processed_at,
                attempts=message.attempts,
            )
    return result_for(message)


def reprocess(message: InboundMessage, *, by: User, release: bool = False) -> IntakeResult:
    """Run the pipeline again on a stored message (e.g. after a settings change), or release it."""
    message.outcome, message.reason, message.detail = O.PENDING, "", ""
    message.save(update_fields=["outcome", "reason", "detail"])
    return process(message, released_by=by if release else None)


def result_for(message: InboundMessage) -> IntakeResult:
    resume = None
    if hasattr(message, "_resume"):
        resume = message._resume if message._resume and message._resume.kind == Document.Kind.RESUME else None
    elif message.outcome in (O.APPLICATION_CREATED, O.APPLICATION_UPDATED, O.REPLY_ATTACHED):
        resume = message.documents.filter(kind=Document.Kind.RESUME).order_by("-version").first()
    return IntakeResult(
        outcome=message.outcome,
        message=message,
        application=message.application,
        applicant_email=message.from_address or None,
        applicant_name=message.from_name or None,
        resume_filename=resume.original_filename if resume else None,
        resume_sha256=resume.sha256 if resume else None,
        reason=message.reason or None,
    )


def _process(
    message: InboundMessage, raw: bytes, *, call_slug: str | None, release: bool, batch: Batch | None
) -> IntakeResult:
    try:
        msg = _read(message, raw)
        parsed = _triage(message, msg, release=release)
        message.outcome = _file(message, msg, parsed, call_slug=call_slug, batch=batch)
    except Stop as stop:
        message.outcome, message.reason, message.detail = stop.outcome, stop.reason, stop.detail
    # The outcome is written only if nobody processed the message since it was read (same attempt
    # count): the same statement as a plain save, and two workers can never both act on one message.
    fields = (InboundMessage._meta.get_field(name) for name in _PROCESSING_FIELDS)
    values = {field.attname: getattr(message, field.attname) for field in fields}
    values = {name: clean_text(v) if isinstance(v, str) else v for name, v in values.items()}
    if not InboundMessage.objects.filter(pk=message.pk, attempts=message.attempts - 1).update(**values):
        raise _ProcessedMeanwhile
    return result_for(message)


class _ProcessedMeanwhile(Exception):
    """The message's row changed under us: its outcome is someone else's to record."""


def _read(message: InboundMessage, raw: bytes) -> Message:
    """Steps 1 and 2: the size limit, then the headers read and the message's keys claimed."""
    if len(raw) > settings.INBOUND_MAX_MESSAGE_BYTES:
        raise Stop(
            O.REJECTED,
            "message_too_large",
            f"The message is {len(raw):,} bytes; the limit is {settings.INBOUND_MAX_MESSAGE_BYTES:,}.",
        )
    try:
        msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    except RecursionError:
        raise Stop(O.REJECTED, "too_deeply_nested", "The message's parts are nested too deeply to read.") from None
    _fill_headers(message, msg)
    claim_or_duplicate(message)
    return msg


def _triage(message: InboundMessage, msg: Message, *, release: bool) -> Parsed:
    """Steps 3 to 9: the parts walked and counted, then what the message is before it is read as an
    application (bounce, auto-reply, list mail, sender, authentication, refused files)."""
    parsed = walk(msg)
    message.body_text = clean_text(parsed.body_text)[:100_000]
    if parsed.depth > settings.INBOUND_MAX_DEPTH:
        raise Stop(
            O.REJECTED,
            "too_deeply_nested",
            f"The message nests {parsed.depth} levels deep; the limit is {settings.INBOUND_MAX_DEPTH}.",
        )
    if parsed.leaves > settings.INBOUND_MAX_PARTS:
        raise Stop(
            O.REJECTED,
            "too_many_parts",
            f"The message has {parsed.leaves} parts; the limit is {settings.INBOUND_MAX_PARTS}.",
        )
    if msg.get_content_type() == "multipart/report":
        record_bounce(message, msg)
        raise Stop(O.BOUNCE_RECORDED, detail=message.detail)
    for outcome, reason in ((O.AUTO_REPLY_IGNORED, auto_reply_reason(msg, message.from_address)),
                            (O.LIST_IGNORED, list_reason(msg))):  # fmt: skip
        if reason:
            raise Stop(outcome, detail=reason)
    check_sender(msg, message)
    if not release:
        check_authentication(msg)
    refused = [a for a in parsed.attachments if a.classification.kind == "refused"]
    if refused and not release:
        first = refused[0]
        raise Stop(
            O.REJECTED,
            first.classification.reason,
            f"“{first.filename or 'an attachment'}” is {first.classification.detail}.",
        )
    return parsed


def _file(message: InboundMessage, msg: Message, parsed: Parsed, *, call_slug: str | None, batch: Batch | None) -> str:
    """Steps 10 to 12: a reply to our mail, an update of the sender's open application, or a new one."""
    accepted = [a for a in parsed.attachments if a.classification.is_document]
    notes = [
        f"dropped “{a.filename}” ({a.classification.detail})"
        for a in parsed.attachments
        if a.classification.kind == "refused"
    ]
    notes += [f"ignored “{a.filename}” ({a.classification.detail})" for a in parsed.attachments
              if a.classification.kind == "ignored" and a.filename]  # fmt: skip
    written = message._written_files
    recipients = recipients_of(msg)
    thread = find_thread(msg, recipients)
    if thread is not None:
        message.application, message.call = thread, thread.call
        resume = message._resume = add_documents(thread, message, accepted, written=written)
        message.detail = _sentence(f"Reply attached to application #{thread.pk}", resume, notes)
        if message.from_address and message.from_address != thread.applicant.email:
            message.detail += f" Note: sent from {message.from_address}, not the applicant's address."
        return O.REPLY_ATTACHED
    call = message.call = route(recipients, call_slug, batch.calls if batch else None)
    applicant = User.objects.person_at(message.from_address)
    existing = open_application(applicant, call, explicit=call_slug is not None or plus_tag(recipients) is not None)
    if existing is not None:
        message.application = existing
        resume = message._resume = add_documents(
            existing, message, accepted, link_from=message.body_text, written=written
        )
        message.detail = _sentence(f"Added to open application #{existing.pk} ({existing.call.name})", resume, notes)
        return O.APPLICATION_UPDATED
    applicant = applicant or new_applicant(message.from_address, message.from_name)
    application = message.application = create_application(call, applicant, source=Application.Source.EMAIL)
    resume = message._resume = add_documents(
        application, message, accepted, link_from=message.body_text, fresh=True, written=written
    )
    if resume is None:
        application.needs_resume = True
        application.save(update_fields=["needs_resume"])
    acknowledge_after_commit(application, message.message_id, batch.acknowledgements if batch else None)
    message.detail = _sentence(f"New application #{application.pk} to {call.name}", resume, notes)
    return O.APPLICATION_CREATED


def _fill_headers(message: InboundMessage, msg: Message) -> None:
    message.message_id = message_id(raw_header(msg, "Message-ID"))
    message.subject = clean_name(header_text(msg, "Subject"), 500)
    name, address = sender(msg)
    message.from_address = address[:320]
    message.from_name = clean_name(name, 200)


def _sentence(start: str, resume: Document | None, notes: list[str]) -> str:
    if resume is None:
        text = f"{start}; no resume found, the applicant is asked for one."
    elif resume.kind == Document.Kind.LINK:
        text = f"{start}; resume given as a link ({resume.url[:100]})."
    else:
        text = f"{start}; resume “{resume.original_filename}” ({resume.content_type}, version {resume.version})."
    if notes:
        text += " Also " + "; ".join(notes) + "."
    return text


def process_pending(*, older_than_seconds: int = 300, limit: int = 200) -> int:
    """Sweep: messages stored but never processed (the process stopped in between) are processed now."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = InboundMessage.objects.filter(outcome=O.PENDING, received_at__lte=cutoff).order_by("received_at")[:limit]
    return sum(1 for message in pending if process(message).outcome != O.PENDING)
