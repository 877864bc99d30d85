"""The outbox: every email Runway sends is a row first, then a send claimed through its state.

`queue_email` renders `templates/emails/<name>-subject.txt`, `-body.txt` and (optionally)
`-body.html`, stores an OutboundMessage under an idempotency key (queueing the same key twice gives
the same row) and asks a worker to send it after the commit. `send_outbound` claims the row with a
conditional UPDATE queued → sending, so two workers never both send it.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from program.absolute import site_url
from program.statemachine import StateMachine, TransitionNotAllowed, change_state, change_states
from program.tasking import enqueue_on_commit

from .models import Application, OutboundMessage

log = logging.getLogger(__name__)
M = OutboundMessage.State
# Each email's way: a draft waits for review; a queued one is claimed by one worker (sending), then
# sent; a failed send goes back to the queue (or, after too many tries, to failed); a bounce arrives
# after sending.
TRANSITIONS: dict[str, frozenset[str]] = {
    M.DRAFT: frozenset({M.QUEUED}),
    M.QUEUED: frozenset({M.SENDING}),
    M.SENDING: frozenset({M.SENT, M.QUEUED, M.FAILED, M.BOUNCED}),
    M.SENT: frozenset({M.BOUNCED}),
    M.FAILED: frozenset(),
    M.BOUNCED: frozenset(),
}
OUTBOUND = StateMachine(
    model=OutboundMessage, states=M, transitions=TRANSITIONS, noun="outbound message", timestamp_field=None
)
_HEADER_UNSAFE = re.compile(r"[\r\n\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")


def header_safe(value: str, limit: int = 250) -> str:
    """A header value with no CR/LF or control characters: nothing from a message injects headers."""
    return _HEADER_UNSAFE.sub(" ", value or "").strip()[:limit]


def queue_email(
    name: str,
    *,
    to: str,
    context: dict,
    idempotency_key: str,
    application: Application | None = None,
    in_reply_to: str = "",
    reply_to: str = "",
    draft: bool = False,
    calendar: str = "",
    attachment: tuple[str, str, str] | None = None,
    headers: dict | None = None,
) -> OutboundMessage:
    """Render and store one email (once per idempotency key) and send it after the commit.

    A draft waits in the outbox until an organizer releases it (`release_drafts`). `attachment` is
    (storage name of a file already saved, file name for the recipient, MIME type)."""
    existing = OutboundMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    context = {"site_url": site_url(), **context}
    subject = header_safe(render_to_string(f"emails/{name}-subject.txt", context), 300)
    body_text = render_to_string(f"emails/{name}-body.txt", context)
    try:
        body_html = render_to_string(f"emails/{name}-body.html", context)
    except TemplateDoesNotExist:
        body_html = ""
    try:
        with transaction.atomic():
            message = OutboundMessage.objects.create(
                application=application,
                kind=name,
                idempotency_key=idempotency_key,
                to_email=header_safe(to, 320),
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                message_id=make_msgid(domain=settings.OUTBOUND_MESSAGE_ID_DOMAIN),
                in_reply_to=header_safe(in_reply_to, 998),
                reply_to=header_safe(reply_to, 320),
                state=OutboundMessage.State.DRAFT if draft else OutboundMessage.State.QUEUED,
                calendar=calendar,
                attachment=attachment[0] if attachment else "",
                attachment_name=attachment[1] if attachment else "",
                attachment_type=attachment[2] if attachment else "",
                headers={k: header_safe(v, 998) for k, v in (headers or {}).items()},
            )
    except IntegrityError:  # another process queued the same key a moment ago
        return OutboundMessage.objects.get(idempotency_key=idempotency_key)
    if not draft:
        enqueue_on_commit("applications.tasks.task_send_outbound", message_id=message.pk)
    return message


class OutboxError(Exception):
    """A sentence for the organizer (e.g. the email was sent meanwhile)."""


def edit_draft(message: OutboundMessage, *, subject: str, body: str, by) -> OutboundMessage:
    """An organizer rewrites a draft before it goes out: subject and text (the HTML version, made from
    the template, is dropped so the two never disagree). Only while it is a draft, claimed with a
    conditional UPDATE; the idempotency key and Message-ID stay, and who edited it when is kept."""
    now = timezone.now()
    changed = OutboundMessage.objects.filter(pk=message.pk, state=M.DRAFT).update(
        subject=header_safe(subject, 300), body_text=body, body_html="", edited_by=by, edited_at=now
    )
    if not changed:
        raise OutboxError("This email is no longer a draft (it was sent or queued meanwhile); nothing was changed.")
    message.refresh_from_db()
    return message


def release_drafts(ids, *, by=None) -> int:
    """Reviewed drafts go to the queue (once: the UPDATE only moves rows still in draft)."""
    moved = change_states(
        OutboundMessage.objects.filter(pk__in=ids), to=M.QUEUED, by=by, machine=OUTBOUND, note="released for sending"
    )
    for pk in moved:
        enqueue_on_commit("applications.tasks.task_send_outbound", message_id=pk)
    return len(moved)


def send_outbound(message_pk: int, connection=None) -> bool:
    """Send one queued message; True if this call sent it. Safe to call twice or concurrently.
    `connection`: an open mail connection to reuse (batches), else one is opened for this message."""
    claimed = change_state(
        OutboundMessage(pk=message_pk), to=M.SENDING, by=None, machine=OUTBOUND, claim_from=M.QUEUED,
        fields={"attempts": F("attempts") + 1, "claimed_at": timezone.now()},
    )  # fmt: skip
    if claimed is None:
        return False
    message = OutboundMessage.objects.get(pk=message_pk)
    try:
        email = _build(message, connection)
    except Exception as exc:  # a message that cannot even be built (its attachment is gone) fails alone
        log.exception("Building outbound message %s failed", message.pk)
        _after_sending(message, M.FAILED, f"could not be built: {exc}")
        return False
    try:
        email.send(fail_silently=False)
    except Exception as exc:  # SMTP and socket errors: record and put back in the queue
        log.warning("Sending outbound message %s failed: %s", message.pk, exc)
        _after_sending(message, M.QUEUED, str(exc))
        return False
    _after_sending(message, M.SENT, "", sent_at=timezone.now())
    return True


def _after_sending(message: OutboundMessage, to: str, error: str, **fields) -> None:
    """sending → sent, queued (try again) or failed; only from `sending`, so a bounce recorded meanwhile stays."""
    change_state(
        message, to=to, by=None, machine=OUTBOUND, claim_from=M.SENDING, note=error[:300],
        fields={"last_error": error[:2000], **fields},
    )  # fmt: skip


def _build(message: OutboundMessage, connection) -> EmailMultiAlternatives:
    headers = {"Message-ID": message.message_id, "Auto-Submitted": "auto-generated", **message.headers}
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
        headers["References"] = message.in_reply_to
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers=headers,
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    if message.attachment:
        with message.attachment.open("rb") as fh:
            email.attach(message.attachment_name, fh.read(), message.attachment_type or "application/octet-stream")
    if message.calendar:
        method = "CANCEL" if "METHOD:CANCEL" in message.calendar else "REQUEST"
        email.attach("invite.ics", message.calendar, f"text/calendar; method={method}; charset=utf-8")
    return email


def requeue_stale(*, older_than_seconds: int | None = None, max_attempts: int = 5) -> int:
    """A worker that died while sending leaves its message in `sending`. After a while (longer than
    any SMTP conversation) it goes back to the queue: if the worker died before the server accepted
    the message, nothing was delivered and it must go out. The one unprotected case is a death in the
    instant between the server's "250 OK" and our UPDATE to `sent`; after `max_attempts` a message is
    marked failed for an organizer to look at instead."""
    older_than_seconds = settings.OUTBOX_STALE_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stale = OutboundMessage.objects.filter(state=M.SENDING, claimed_at__lte=cutoff)
    gave_up = "gave up: the sending worker stopped repeatedly"
    change_states(
        stale.filter(attempts__gte=max_attempts), to=M.FAILED, by=None, machine=OUTBOUND, note=gave_up,
        fields={"last_error": gave_up},
    )  # fmt: skip
    requeued = "requeued: the sending worker stopped before finishing"
    moved = change_states(
        stale.filter(attempts__lt=max_attempts), to=M.QUEUED, by=None, machine=OUTBOUND, note=requeued,
        fields={"last_error": requeued},
    )  # fmt: skip
    return len(moved)


def send_queued(limit: int = 200) -> int:
    ids = list(
        OutboundMessage.objects.filter(state=OutboundMessage.State.QUEUED)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(send_outbound(pk) for pk in ids)


def send_many(ids, *, batch_size: int = 200) -> int:
    """Send these queued messages over one SMTP connection per batch (announcements); each message is
    still claimed on its own, so a batch that runs twice sends nothing twice."""
    from django.core.mail import get_connection  # noqa: PLC0415

    ids, sent = list(ids), 0
    for start in range(0, len(ids), batch_size):
        with get_connection() as connection:
            sent += sum(send_outbound(pk, connection=connection) for pk in ids[start : start + batch_size])
    return sent


def record_bounce(message: OutboundMessage, *, status: str) -> bool:
    """A delivery report says this message bounced: sent (or sending) → bounced, once."""
    try:
        change_state(
            message, to=M.BOUNCED, by=None, machine=OUTBOUND, note=status[:300],
            fields={"bounced_at": timezone.now(), "last_error": f"bounced: {status}"[:2000]},
        )  # fmt: skip
    except TransitionNotAllowed:
        return False  # a second report for the same message, or one that was never sent
    return True
