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

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from pathlib import PurePosixPath, PureWindowsPath

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from program.models import User
from program.tasking import enqueue_on_commit
from program.text import clean_name, clean_text, strip_bidi

from . import documents, links, outbox, tasks
from .models import (
    Application,
    ApplicationState,
    Call,
    CallKind,
    Document,
    InboundKey,
    InboundMessage,
    OutboundMessage,
    Questionnaire,
)
from .models import (
    InboundOutcome as O,
)
from .services import create_application, transition_application

log = logging.getLogger(__name__)

DEFAULT_CALL_SLUG = "retraining-grants"
_MSGID = re.compile(r"<[^<>\s]+>")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")  # where the header block ends
_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.I)
_RESUME_URL_HINT = re.compile(
    r"resume|cv|curriculum|lebenslauf|drive\.google|docs\.google|dropbox|onedrive|\.pdf", re.I
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?reply|out of (the )?office|abwesenheitsnotiz)\b", re.I
)


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
class _Attachment:
    filename: str
    data: bytes
    classification: documents.Classification

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class _Parsed:
    body_text: str = ""
    attachments: list[_Attachment] = field(default_factory=list)
    leaves: int = 0
    depth: int = 0


class _Stop(Exception):
    """Processing ends here with this outcome (and reason, detail)."""

    def __init__(self, outcome: str, reason: str = "", detail: str = ""):
        super().__init__(detail)
        self.outcome, self.reason, self.detail = outcome, reason, detail


# --- entry points ----------------------------------------------------------------------------------


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
    messages = [_raw_row(raw, source=source, source_ref=ref) for raw, ref in items]
    with transaction.atomic():
        InboundMessage.objects.bulk_create(messages)
    context = _Batch()
    try:
        for message, (raw, _) in zip(messages, items, strict=True):
            token = _batch.set(context)
            try:
                result = process(message, call_slug=call_slug, raw=raw)
            finally:
                _batch.reset(token)
            yield result
    finally:
        if context.acknowledgements:
            enqueue_on_commit(tasks.task_acknowledge_applications, items=context.acknowledgements)


def store_raw(raw: bytes, *, source: str, source_ref: str = "") -> InboundMessage:
    """Write the bytes to private storage and record them, before any parsing (committed at once)."""
    message = _raw_row(raw, source=source, source_ref=source_ref)
    message.save()
    return message


def _raw_row(raw: bytes, *, source: str, source_ref: str = "") -> InboundMessage:
    """The message's bytes written to private storage (content-addressed) and its row, not yet saved."""
    sha = hashlib.sha256(raw).hexdigest()
    message = InboundMessage(sha256=sha, size=len(raw), source=source, source_ref=clean_text(source_ref)[:500])
    path = message.raw.field.generate_filename(message, "raw.eml")
    if default_storage.exists(path):
        message.raw.name = path  # content-addressed: the same bytes are stored once
    else:
        message.raw.name = default_storage.save(path, ContentFile(raw))
    message.message_id = _message_id(_raw(_headers_only(raw), "Message-ID"))
    return message


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


@dataclass
class _Batch:
    """What the messages of one ingest_many chunk share: the calls looked up, the acknowledgements due."""

    calls: dict[str | None, Call] = field(default_factory=dict)
    acknowledgements: list[tuple[int, str]] = field(default_factory=list)


_batch: ContextVar[_Batch | None] = ContextVar("intake_batch", default=None)


def process(
    message: InboundMessage, *, call_slug: str | None = None, released_by: User | None = None, raw: bytes | None = None
) -> IntakeResult:
    """Decide what a stored message is and record it. Never raises for anything inside the message.

    `raw` may be passed when the caller still holds the bytes it just stored; otherwise they are read back.
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
            return _process(message, raw, call_slug=call_slug, release=released_by is not None)
    except _ProcessedMeanwhile:
        # Another worker (the sweep, a second poll) finished this message first; everything this run
        # did was rolled back, and its result is theirs.
        _discard_files(message._written_files)
        message.__dict__.pop("_resume", None)
        message.refresh_from_db()
        return result_for(message)
    except Exception as exc:  # the last line of defence: a message can never crash the pipeline
        log.exception("Processing inbound message %s failed", message.pk)
        _discard_files(message._written_files)
        return _reject_unprocessable(message, exc)


def _discard_files(files: list) -> None:
    """Remove the files of an attempt whose rows were rolled back (they would be orphans)."""
    for stored in files:
        try:
            stored.storage.delete(stored.name)
        except Exception:
            log.exception("Could not remove %s after a failed attempt", stored.name)


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
            _claim(message.pk, _keys(message))
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


# --- the pipeline ----------------------------------------------------------------------------------


def _process(message: InboundMessage, raw: bytes, *, call_slug: str | None, release: bool) -> IntakeResult:
    try:
        message.outcome = _decide(message, raw, call_slug=call_slug, release=release)
    except _Stop as stop:
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


def _decide(message: InboundMessage, raw: bytes, *, call_slug: str | None, release: bool) -> str:
    if len(raw) > settings.INBOUND_MAX_MESSAGE_BYTES:
        raise _Stop(
            O.REJECTED,
            "message_too_large",
            f"The message is {len(raw):,} bytes; the limit is {settings.INBOUND_MAX_MESSAGE_BYTES:,}.",
        )
    try:
        msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    except RecursionError:
        raise _Stop(O.REJECTED, "too_deeply_nested", "The message's parts are nested too deeply to read.") from None
    _fill_headers(message, msg)
    _claim_or_duplicate(message)

    parsed = _walk(msg)
    message.body_text = clean_text(parsed.body_text)[:100_000]
    if parsed.depth > settings.INBOUND_MAX_DEPTH:
        raise _Stop(
            O.REJECTED,
            "too_deeply_nested",
            f"The message nests {parsed.depth} levels deep; the limit is {settings.INBOUND_MAX_DEPTH}.",
        )
    if parsed.leaves > settings.INBOUND_MAX_PARTS:
        raise _Stop(
            O.REJECTED,
            "too_many_parts",
            f"The message has {parsed.leaves} parts; the limit is {settings.INBOUND_MAX_PARTS}.",
        )

    if msg.get_content_type() == "multipart/report":
        _record_bounce(message, msg)
        raise _Stop(O.BOUNCE_RECORDED, detail=message.detail)
    auto = _auto_reply_reason(msg, message.from_address)
    if auto:
        raise _Stop(O.AUTO_REPLY_IGNORED, detail=auto)
    listy = _list_reason(msg)
    if listy:
        raise _Stop(O.LIST_IGNORED, detail=listy)
    _check_sender(msg, message)
    if not release:
        _check_authentication(msg)

    refused = [a for a in parsed.attachments if a.classification.kind == "refused"]
    if refused and not release:
        first = refused[0]
        raise _Stop(
            O.REJECTED,
            first.classification.reason,
            f"“{first.filename or 'an attachment'}” is {first.classification.detail}.",
        )
    accepted = [a for a in parsed.attachments if a.classification.is_document]
    notes = [f"dropped “{a.filename}” ({a.classification.detail})" for a in refused]
    notes += [
        f"ignored “{a.filename}” ({a.classification.detail})"
        for a in parsed.attachments
        if a.classification.kind == "ignored" and a.filename
    ]

    recipients = _recipients(msg)
    thread = _find_thread(msg, recipients)
    if thread is not None:
        message.application = thread
        message.call = thread.call
        resume = message._resume = _add_documents(thread, message, accepted, written=message._written_files)
        message.detail = _sentence(f"Reply attached to application #{thread.pk}", resume, notes)
        if message.from_address and message.from_address != thread.applicant.email:
            message.detail += f" Note: sent from {message.from_address}, not the applicant's address."
        return O.REPLY_ATTACHED

    call = _route(recipients, call_slug)
    message.call = call
    applicant = User.objects.with_email(message.from_address).first()
    existing = _open_application(applicant, call, explicit=call_slug is not None or _tag(recipients) is not None)
    if existing is not None:
        message.application = existing
        resume = message._resume = _add_documents(
            existing, message, accepted, link_from=message.body_text, written=message._written_files
        )
        message.detail = _sentence(f"Added to open application #{existing.pk} ({existing.call.name})", resume, notes)
        return O.APPLICATION_UPDATED

    applicant = applicant or _new_applicant(message.from_address, message.from_name)
    application = create_application(call, applicant, source=Application.Source.EMAIL)
    message.application = application
    resume = message._resume = _add_documents(
        application, message, accepted, link_from=message.body_text, fresh=True, written=message._written_files
    )
    if resume is None:
        application.needs_resume = True
        application.save(update_fields=["needs_resume"])
    _acknowledge_after_commit(application, message.message_id)
    message.detail = _sentence(f"New application #{application.pk} to {call.name}", resume, notes)
    return O.APPLICATION_CREATED


# --- steps -----------------------------------------------------------------------------------------


def _fill_headers(message: InboundMessage, msg: Message) -> None:
    message.message_id = _message_id(_raw(msg, "Message-ID"))
    message.subject = clean_name(_header_text(msg, "Subject"), 500)
    name, address = _sender(msg)
    message.from_address = address[:320]
    message.from_name = clean_name(name, 200)


def _claim_or_duplicate(message: InboundMessage) -> None:
    """Claim this message's hash and Message-ID; if another message holds one, this is a duplicate.

    The claim is a unique row, so two workers handling the same message at once cannot both win.
    """
    keys = _keys(message)
    if _claim(message.pk, keys) == set(keys):
        return  # every key is ours (the usual case): one statement, no second look
    owners = dict(InboundKey.objects.filter(key__in=keys).values_list("key", "message_id"))
    for key in keys:
        owner = owners.get(key)
        if owner != message.pk:
            message.duplicate_of_id = owner
            what = "Message-ID" if key.startswith("msgid:") else "content"
            raise _Stop(O.DUPLICATE_IGNORED, detail=f"Same {what} as message #{owner}; nothing done.")


def _keys(message: InboundMessage) -> list[str]:
    keys = [f"sha256:{message.sha256}"]
    if message.message_id.strip():
        keys.append(f"msgid:{message.message_id.strip().lower()}")
    return keys


def _claim(message_pk: int, keys: list[str]) -> set[str]:
    """Insert the keys that are still free and return those this statement inserted.

    INSERT … ON CONFLICT DO NOTHING RETURNING (PostgreSQL, SQLite ≥ 3.35): the ORM's bulk_create with
    ignore_conflicts cannot say which rows it inserted, which would cost a SELECT per message."""
    table = connection.ops.quote_name(InboundKey._meta.db_table)
    key_column, message_column = (connection.ops.quote_name(c) for c in ("key", "message_id"))
    values = ", ".join(["(%s, %s)"] * len(keys))
    params = [p for key in keys for p in (key, message_pk)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {message_column}) VALUES {values} "  # noqa: S608 (names quoted, values bound)
            f"ON CONFLICT ({key_column}) DO NOTHING RETURNING {key_column}",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


def _walk(msg: Message) -> _Parsed:
    """Every leaf part, also inside forwarded messages and Outlook's winmail.dat, without recursion."""
    parsed = _Parsed()
    stack: list[tuple[Message, int]] = [(msg, 1)]
    while stack:
        part, depth = stack.pop()
        parsed.depth = max(parsed.depth, depth)
        if depth > settings.INBOUND_MAX_DEPTH + 1:
            continue
        if part.is_multipart():
            children = part.get_payload()
            stack.extend((child, depth + 1) for child in reversed(children if isinstance(children, list) else []))
            continue
        parsed.leaves += 1
        if parsed.leaves > settings.INBOUND_MAX_PARTS:
            break
        ctype = part.get_content_type()
        filename = _filename(part)
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message):
                stack.append((inner, depth + 1))
            continue
        if ctype in ("message/delivery-status", "text/rfc822-headers"):
            continue
        is_attachment = part.get_content_disposition() == "attachment" or bool(filename)
        if ctype in ("text/plain", "text/html") and not is_attachment:
            if ctype == "text/plain" and not parsed.body_text:
                parsed.body_text = _nfc(_text_of(part))
            elif ctype == "text/html" and not parsed.body_text:
                parsed.body_text = _nfc(re.sub(r"<[^>]+>", " ", _text_of(part)))
            continue
        data = part.get_payload(decode=True) or b""
        if ctype == "application/ms-tnef" or filename.lower() == "winmail.dat":
            parsed.attachments.extend(_tnef_attachments(data))
            continue
        declared_text = ctype == "text/plain" and bool(filename)
        parsed.attachments.append(_Attachment(filename, data, documents.classify(data, declared_text=declared_text)))
    return parsed


def _tnef_attachments(data: bytes) -> list[_Attachment]:
    from tnefparse import TNEF  # noqa: PLC0415  (a rarely used parser; loaded only for winmail.dat)

    try:
        tnef = TNEF(data)
    except Exception as exc:  # a broken winmail.dat is ignored, not fatal
        return [
            _Attachment(
                "winmail.dat", b"", documents.Classification("ignored", detail=f"an unreadable winmail.dat ({exc})")
            )
        ]
    found = []
    for item in tnef.attachments:
        name = item.long_filename() or item.name or "attachment"
        if isinstance(name, bytes):
            name = name.decode("utf-8", "replace")
        name = _safe_filename(name)
        found.append(
            _Attachment(name, item.data, documents.classify(item.data, declared_text=name.lower().endswith(".txt")))
        )
    return found


def _record_bounce(message: InboundMessage, msg: Message) -> None:
    original_id, status = "", ""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            text = (
                part.as_string()
                if not isinstance(part.get_payload(), list)
                else "\n".join(str(p) for p in part.get_payload())
            )
            found = re.search(r"^(Status|Diagnostic-Code):\s*(.+)$", text, re.M | re.I)
            status = clean_name(found.group(2), 200) if found else status
        elif ctype in ("message/rfc822", "text/rfc822-headers") and not original_id:
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                original_id = _header_text(inner[0], "Message-ID")
            else:
                text = inner if isinstance(inner, str) else part.get_payload(decode=True).decode("utf-8", "replace")
                found = re.search(r"^Message-ID:\s*(<[^>]+>)", text, re.M | re.I)
                original_id = found.group(1) if found else ""
    outbound = OutboundMessage.objects.filter(message_id=original_id.strip()).first() if original_id else None
    if outbound:
        OutboundMessage.objects.filter(pk=outbound.pk).update(
            state=OutboundMessage.State.BOUNCED, bounced_at=timezone.now(), last_error=f"bounced: {status}"[:2000]
        )
        message.application = outbound.application
        message.detail = f"Bounce of “{outbound.subject}” to {outbound.to_email}" + (f" ({status})." if status else ".")
    else:
        message.detail = "A delivery report for a message Runway did not send (or cannot identify)."


def _auto_reply_reason(msg: Message, sender: str) -> str:
    auto_submitted = _raw(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted} (RFC 3834): never answered."
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if _raw_all(msg, name):
            return f"{name} header: an automatic reply, never answered."
    if _raw(msg, "Precedence").strip().lower() == "auto_reply":
        return "Precedence: auto_reply: never answered."
    own = {settings.INBOUND_ADDRESS.lower(), parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}
    if sender and (
        sender in own
        or sender.split("@")[0].split("+")[0] == settings.INBOUND_ADDRESS.split("@")[0]
        and sender.endswith("@" + settings.INBOUND_ADDRESS.split("@")[-1])
    ):
        return "Sent from Runway's own address: a mail loop, ignored."
    if _AUTO_SUBJECT.match(_header_text(msg, "Subject")):
        return "The subject says it is an automatic reply: never answered."
    return ""


def _list_reason(msg: Message) -> str:
    if _raw_all(msg, "List-Id"):
        return f"Mailing-list mail (List-Id: {_raw(msg, 'List-Id')[:100]})."
    precedence = _raw(msg, "Precedence").strip().lower()
    if precedence in ("bulk", "list", "junk"):
        return f"Bulk mail (Precedence: {precedence})."
    return ""


def _check_sender(msg: Message, message: InboundMessage) -> None:
    if not _raw(msg, "From").strip():
        raise _Stop(O.REJECTED, "missing_sender", "The message has no From address, so there is nobody to answer.")
    if not message.from_address:
        raise _Stop(
            O.REJECTED,
            "invalid_sender",
            f"The From header “{_header_text(msg, 'From')[:100]}” holds no usable address.",
        )


def _check_authentication(msg: Message) -> None:
    """Only the topmost Authentication-Results with our authserv-id counts; lower ones can be forged."""
    ours = settings.INBOUND_AUTHSERV_ID.strip().lower()
    if not ours:
        return
    for value in _raw_all(msg, "Authentication-Results"):
        text = str(value)
        if text.split(";", 1)[0].strip().lower().split()[0:1] == [ours]:
            if re.search(r"\bdmarc\s*=\s*fail\b", text, re.I):
                raise _Stop(
                    O.REJECTED,
                    "auth_failed",
                    f"Our mail server ({ours}) found that the sender's domain does not authorise it (dmarc=fail).",
                )
            return


def _recipients(msg: Message) -> list[str]:
    values = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        values.extend(_raw_all(msg, name))
    return [addr.lower() for _, addr in getaddresses(values) if "@" in addr]


def _tag(recipients: list[str]) -> str | None:
    """The +tag of our inbound address among the recipients, if any (apply+mlab3-ta@… → mlab3-ta)."""
    base_local, _, base_domain = settings.INBOUND_ADDRESS.lower().partition("@")
    for address in recipients:
        local, _, domain = address.partition("@")
        name, plus, tag = local.partition("+")
        if plus and name == base_local and (domain == base_domain or not base_domain):
            return tag
    return None


def _find_thread(msg: Message, recipients: list[str]) -> Application | None:
    tag = _tag(recipients)
    if tag and tag.startswith("r-"):
        application = Application.objects.filter(reply_token=tag[2:]).select_related("applicant", "call").first()
        if application:
            return application
    ids = _MSGID.findall(_raw(msg, "In-Reply-To") + " " + _raw(msg, "References"))
    if ids:
        outbound = (
            OutboundMessage.objects.filter(message_id__in=ids, application__isnull=False)
            .select_related("application__applicant", "application__call")
            .order_by("-created_at")
            .first()
        )
        if outbound:
            return outbound.application
    return None


def _route(recipients: list[str], call_slug: str | None) -> Call:
    slug = call_slug or _tag(recipients)
    batch = _batch.get()
    if batch is not None and slug in batch.calls:
        return batch.calls[slug]
    call = Call.objects.filter(slug=slug).first() if slug else None
    call = call or default_call()
    if batch is not None:
        batch.calls[slug] = call
    return call


def default_call() -> Call:
    """The call for mail to the bare address; created on first use so a fresh install never drops mail."""
    call = Call.objects.filter(is_default=True).first()
    if call:
        return call
    call, _ = Call.objects.get_or_create(
        slug=DEFAULT_CALL_SLUG,
        defaults={"name": "Retraining grants", "kind": CallKind.GRANT, "is_default": True},
    )
    return call


def _open_application(applicant: User | None, call: Call, *, explicit: bool) -> Application | None:
    if applicant is None:
        return None
    open_apps = Application.objects.filter(applicant=applicant, state__in=ApplicationState.open_states).select_related(
        "call"
    )
    same_call = open_apps.filter(call=call).order_by("-created_at").first()
    if same_call or explicit:
        return same_call
    return open_apps.order_by("-created_at").first()


def _new_applicant(address: str, name: str) -> User:
    user = User.objects.create_user(address, full_name=name[:200])
    user._roles_cache = frozenset()  # a new person has no roles yet: no need to ask the database
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


def _add_documents(
    application: Application,
    message: InboundMessage | None,
    accepted: list[_Attachment],
    link_from: str = "",
    *,
    fresh: bool = False,
    written: list | None = None,
) -> Document | None:
    """Store accepted files as new document versions; return the resume (file or link), if any.
    Each stored file is added to `written`, so a rolled-back caller can remove it again."""
    resume_attachment = next(
        (a for a in accepted if documents.looks_like_resume(a.filename)), accepted[0] if accepted else None
    )
    resume = None
    for attachment in accepted:
        kind = Document.Kind.RESUME if attachment is resume_attachment else Document.Kind.OTHER
        document = Document(
            application=application,
            kind=kind,
            version=1 if fresh else _next_version(application, kind),
            original_filename=attachment.filename or f"document.{attachment.classification.extension}",
            content_type=attachment.classification.content_type,
            sha256=attachment.sha256,
            size=len(attachment.data),
            source_message=message,
        )
        document.file.save("upload", ContentFile(attachment.data), save=False)
        if written is not None:
            written.append(document.file)
        document.save()
        if kind == Document.Kind.RESUME:
            resume = document
    if resume is None and link_from:
        urls = _URL.findall(link_from)
        url = next((u for u in urls if _RESUME_URL_HINT.search(u)), None)
        if url:
            resume = Document.objects.create(
                application=application,
                kind=Document.Kind.LINK,
                version=_next_version(application, Document.Kind.LINK),
                url=url[:2000],
                source_message=message,
            )
    if resume is not None and application.needs_resume:
        application.needs_resume = False
        application.save(update_fields=["needs_resume"])
    return resume


def _next_version(application: Application, kind: str) -> int:
    latest = (
        Document.objects.filter(application=application, kind=kind)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return (latest or 0) + 1


def _acknowledge_after_commit(application: Application, in_reply_to: str) -> None:
    # Rendering and queueing the email is a worker's job: intake stays fast, and a broken template
    # can never make a message unprocessable. The periodic sweep acknowledges anything missed.
    batch = _batch.get()
    if batch is not None:  # ingest_many queues one task for its chunk (each message is committed by then)
        batch.acknowledgements.append((application.pk, in_reply_to))
        return
    enqueue_on_commit(tasks.task_acknowledge_application, application_id=application.pk, in_reply_to=in_reply_to)


def acknowledge_application(application: Application, *, in_reply_to: str = "") -> OutboundMessage:
    """One acknowledgement per application (idempotency key), with the personal questionnaire link;
    the application moves to `questionnaire_sent` when its call has a questionnaire."""
    key = f"ack:{application.pk}"
    existing = OutboundMessage.objects.filter(idempotency_key=key).first()
    if existing:
        return existing
    has_questionnaire = Questionnaire.objects.filter(call_id=application.call_id).exists()
    with transaction.atomic():
        token = links.create_link(application)
        message = outbox.queue_email(
            "application-received",
            to=application.applicant.email,
            context={
                "application": application,
                "name": application.applicant.full_name or "there",
                "call": application.call,
                "needs_resume": application.needs_resume,
                "has_questionnaire": has_questionnaire,
                "link": links.link_url(token),
                "link_days": settings.APPLICANT_LINK_MAX_AGE_DAYS,
            },
            idempotency_key=key,
            application=application,
            in_reply_to=in_reply_to,
            reply_to=links.reply_address(application),
        )
        if has_questionnaire and application.state == ApplicationState.RECEIVED:
            transition_application(
                application, to=ApplicationState.QUESTIONNAIRE_SENT, by=None, note="questionnaire link emailed"
            )
    return message


def acknowledge_pending(limit: int = 200) -> int:
    """Sweep: acknowledge recent applications whose acknowledgement was never queued (broker down).
    Only applications still `received` that came in by mail or the web form: one that has moved on
    (reviewed, decided, withdrawn) or was entered by an organizer is never mailed "we received it".
    One application that cannot be acknowledged (a broken template, a bad address) is logged and
    skipped; the others are still acknowledged."""
    since = timezone.now() - timedelta(days=7)
    pending = (
        Application.objects.filter(
            created_at__gte=since,
            state=ApplicationState.RECEIVED,
            source__in=[Application.Source.EMAIL, Application.Source.WEB],
        )
        .exclude(outbound_messages__kind="application-received")
        .select_related("applicant", "call")[:limit]
    )
    count = 0
    for application in pending:
        first = application.inbound_messages.order_by("received_at").values_list("message_id", flat=True).first()
        try:
            acknowledge_application(application, in_reply_to=first or "")
        except Exception:
            log.exception("Acknowledging application %s failed; the sweep goes on", application.pk)
            continue
        count += 1
    return count


def submit_web_application(
    call: Call, *, email: str, name: str, filename: str, data: bytes
) -> tuple[Application, bool]:
    """The web form's way in, with the pipeline's rules: the same checks of the file, the same
    open-application update, the same single acknowledgement. Returns (application, created).
    Raises ValueError with a sentence for the applicant when the file is refused."""
    email = email.strip().lower()
    attachments = []
    if data:
        classification = documents.classify(data, declared_text=filename.lower().endswith(".txt"))
        if not classification.is_document:
            raise ValueError(
                f"“{filename}” is {classification.detail or 'not a document we accept'}. Please upload a PDF, DOCX, ODT, RTF or text file."
            )
        attachments.append(_Attachment(_safe_filename(filename), data, classification))
    written: list = []
    try:
        with transaction.atomic():
            applicant = User.objects.with_email(email).first()
            existing = _open_application(applicant, call, explicit=True)
            if existing is not None:
                _add_documents(existing, None, attachments, written=written)
                return existing, False
            applicant = applicant or _new_applicant(email, clean_name(name, 200))
            application = create_application(call, applicant, source=Application.Source.WEB)
            if _add_documents(application, None, attachments, written=written) is None:
                application.needs_resume = True
                application.save(update_fields=["needs_resume"])
            _acknowledge_after_commit(application, "")
    except Exception:
        _discard_files(written)
        raise
    return application, True


# --- header and text helpers ----------------------------------------------------------------------


def _headers_only(raw: bytes) -> Message:
    """The header block alone (the parser would otherwise read the whole body line by line)."""
    blank = _BLANK_LINE.search(raw)
    return BytesParser(policy=policy.compat32).parsebytes(raw[: blank.end() if blank else len(raw)], headersonly=True)


_UNSTRUCTURED = {"subject", "comments"}  # free text: no addresses, ids or parameters to parse


def _header_text(msg: Message, name: str) -> str:
    """A header's decoded text, read the way the modern API (policy.default) reads it: RFC 2047 words
    decoded, folding undone. The message itself is parsed with compat32, which keeps every header's
    source text and skips the structured parsing of headers nobody asks for (most of a parse's time);
    the few headers the pipeline reads as text are decoded here, one at a time. A malformed header
    gives its raw text instead of an exception. Decoded once per message and header."""
    memo = msg.__dict__.setdefault("_runway_text", {})
    lowered = name.lower()
    if lowered not in memo:
        memo[lowered] = ""
        for key, value in getattr(msg, "_headers", []):
            if key.lower() == lowered:
                try:
                    if lowered in _UNSTRUCTURED and value.isascii() and "=?" not in value:
                        # What the modern API gives for plain ASCII text: the value with line breaks removed.
                        memo[lowered] = value.replace("\r", "").replace("\n", "")
                    else:
                        memo[lowered] = str(policy.default.header_fetch_parse(key, value))
                except Exception:
                    memo[lowered] = str(value)
                break
    return memo[lowered]


def _raw_all(msg: Message, name: str) -> list[str]:
    """A header's raw values, in order, without the policy's structured parsing (which is slow and
    not needed to read a flag or an address list). Built once per message part."""
    index = msg.__dict__.get("_runway_raw")
    if index is None:
        index = {}
        for key, value in getattr(msg, "_headers", []):
            index.setdefault(key.lower(), []).append(str(value).replace("\r", "").replace("\n", " "))
        msg.__dict__["_runway_raw"] = index
    return index.get(name.lower(), [])


def _raw(msg: Message, name: str) -> str:
    values = _raw_all(msg, name)
    return values[0] if values else ""


def _message_id(value: str) -> str:
    """The <id@host> token of a Message-ID header; whatever else is folded into it is dropped."""
    value = clean_text(value)
    found = _MSGID.search(value)
    return (found.group() if found else value.strip())[:998]


def _sender(msg: Message) -> tuple[str, str]:
    raw = _raw(msg, "From")
    # Plain ASCII without encoded words or comments reads the same raw or decoded (the decoding parser
    # is slow); anything else goes through the modern API's address parser.
    plain = raw.isascii() and "=?" not in raw and "(" not in raw
    text = raw if plain else _header_text(msg, "From")
    for name, address in getaddresses([text]):
        address = address.strip().lower()
        try:
            validate_email(address)
        except ValidationError:
            continue
        return _nfc(name.strip().strip('"')), address
    return "", ""


def _filename(part: Message) -> str:
    """The attachment's name: RFC 2231 parameters (compat32 handles them) and RFC 2047 words."""
    try:
        name = part.get_filename() or ""
        if "=?" in name:
            name = str(make_header(decode_header(name)))
    except Exception:
        name = ""
    return _safe_filename(name) if name else ""


def _safe_filename(name: str) -> str:
    """NFC, no directories, no control characters or bidirectional overrides, at most 200 characters."""
    name = _nfc(name)
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = strip_bidi(re.sub(r"[\x00-\x1f\x7f]", "", name)).strip()
    return name[:200]


def _text_of(part: Message) -> str:
    """A text part's content in its declared charset (the modern API's content manager)."""
    try:
        return policy.default.content_manager.get_content(part)
    except (LookupError, UnicodeError, AssertionError, KeyError, ValueError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


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
