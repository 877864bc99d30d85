"""Updates sign-up (double opt-in, one-click unsubscribe), announcements to a segment sent through the
outbox in batches, and curriculum access requests."""

from __future__ import annotations

import re
from email.utils import make_msgid

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from applications import outbox
from applications.models import AccessRequest, Announcement, CallKind, Interest, OutboundMessage, Subscriber, new_secret
from program.absolute import absolute_url, site_url
from program.models import Curriculum, User
from program.tasking import enqueue_on_commit

CALL_SEGMENT = {CallKind.PARTICIPANT: Interest.BOOTCAMP, CallKind.TA: Interest.TA, CallKind.GRANT: Interest.GRANTS}


class UpdatesError(ValueError):
    pass


def _url(name: str, token: str) -> str:
    return site_url() + reverse(name, kwargs={"token": token})


def unsubscribe_headers(unsubscribe_url: str) -> dict:
    """RFC 2369 + RFC 8058: mail clients show an unsubscribe button that POSTs to this URL."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Precedence": "bulk",
    }


def subscribe(email: str, name: str, interests: list[str]) -> Subscriber:
    """Sign up (or sign up again): a confirmation email goes out; nothing is sent until it is confirmed.
    Someone already subscribed just gets their interests updated (no email, nothing revealed)."""
    email, interests = email.strip(), sorted(set(interests) & set(Interest.values))
    if not interests:
        raise UpdatesError("Choose at least one thing to hear about.")
    with transaction.atomic():
        subscriber, created = Subscriber.objects.select_for_update().get_or_create(
            email_hash=Subscriber.hash_of(email),
            defaults={"email": email, "name": name.strip()[:200], "interests": interests},
        )
        if not created and subscriber.state == Subscriber.State.CONFIRMED:
            subscriber.interests, subscriber.name = interests, name.strip()[:200] or subscriber.name
            subscriber.save(update_fields=["interests", "name"])
            return subscriber
        if not created:
            subscriber.email, subscriber.name, subscriber.interests = email, name.strip()[:200], interests
            subscriber.state, subscriber.unsubscribed_at = Subscriber.State.PENDING, None
            subscriber.token = new_secret()
            subscriber.save()
        outbox.queue_email(
            "updates-confirm",
            to=email,
            context={"name": subscriber.name, "confirm_url": _url("updates:confirm", subscriber.token)},
            idempotency_key=f"updates-confirm:{subscriber.token}",
        )
    return subscriber


def confirm(token: str) -> Subscriber | None:
    updated = Subscriber.objects.filter(token=token, state=Subscriber.State.PENDING).update(
        state=Subscriber.State.CONFIRMED, confirmed_at=timezone.now()
    )
    subscriber = Subscriber.objects.filter(token=token).first()
    return subscriber if (updated or (subscriber and subscriber.state == Subscriber.State.CONFIRMED)) else None


def unsubscribe(token: str) -> bool:
    """Erase the name and address (the hash stays, so they can sign up again and are never mailed)."""
    return bool(
        Subscriber.objects.filter(token=token)
        .exclude(state=Subscriber.State.UNSUBSCRIBED)
        .update(state=Subscriber.State.UNSUBSCRIBED, email="", name="", interests=[], unsubscribed_at=timezone.now())
    )


def audience(segment: str):
    """Confirmed subscribers of a segment, as (pk, email, name, token) in pk order."""
    rows = Subscriber.objects.filter(state=Subscriber.State.CONFIRMED).order_by("pk")
    for pk, email, name, token, interests in rows.values_list("pk", "email", "name", "token", "interests").iterator(
        chunk_size=2000
    ):
        if not segment or segment in interests:
            yield pk, email, name, token


def segment_counts() -> dict[str, int]:
    counts = dict.fromkeys(["", *Interest.values], 0)
    for interests in Subscriber.objects.filter(state=Subscriber.State.CONFIRMED).values_list("interests", flat=True):
        counts[""] += 1
        for interest in interests:
            counts[interest] = counts.get(interest, 0) + 1
    return counts


GREETING = re.compile(r"\s*(hello|hi|hey|dear|good (morning|afternoon|evening)|greetings)\b", re.IGNORECASE)


def compose(subject: str, body: str, segment: str, *, by: User | None, call=None) -> Announcement:
    if segment and segment not in Interest.values:
        raise UpdatesError(f"Unknown segment {segment!r}.")
    if not subject.strip() or not body.strip():
        raise UpdatesError("An announcement needs a subject and a text.")
    return Announcement.objects.create(
        subject=subject.strip()[:200], body=body.strip(), segment=segment, created_by=by, call=call
    )


def send(announcement: Announcement, *, batch_size: int = 1000) -> int:
    """Queue one outbox message per confirmed subscriber of the segment (once: the announcement is
    claimed draft → sending, and each message has an idempotency key), then a worker delivers them in
    batches. Returns how many were queued."""
    if not Announcement.objects.filter(pk=announcement.pk, state=Announcement.State.DRAFT).update(
        state=Announcement.State.SENDING
    ):
        raise UpdatesError("This announcement was already sent.")
    subject = outbox.header_safe(announcement.subject, 300)
    domain = settings.OUTBOUND_MESSAGE_ID_DOMAIN
    greet = not GREETING.match(announcement.body)  # the text has its own "Hello,": no second one
    total, batch = 0, []

    def flush():
        OutboundMessage.objects.bulk_create(batch, ignore_conflicts=True)
        batch.clear()

    for pk, email, name, token in audience(announcement.segment):
        unsubscribe_url = _url("updates:unsubscribe", token)
        batch.append(
            OutboundMessage(
                kind="announcement",
                announcement=announcement,
                idempotency_key=f"announcement:{announcement.pk}:{pk}",
                to_email=email,
                subject=subject,
                body_text=render_to_string(
                    "emails/announcement-body.txt",
                    {"body": announcement.body, "name": name if greet else "", "unsubscribe_url": unsubscribe_url},
                ),
                message_id=make_msgid(domain=domain),
                headers=unsubscribe_headers(unsubscribe_url),
            )
        )
        total += 1
        if len(batch) >= batch_size:
            flush()
    flush()
    Announcement.objects.filter(pk=announcement.pk).update(recipients=total, sent_at=timezone.now())
    enqueue_on_commit("applications.tasks.task_send_announcement", announcement_id=announcement.pk)
    return total


def deliver(announcement_id: int, *, batch_size: int = 200) -> int:
    ids = list(
        OutboundMessage.objects.filter(announcement_id=announcement_id, state=OutboundMessage.State.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = outbox.send_many(ids, batch_size=batch_size)
    if not OutboundMessage.objects.filter(announcement_id=announcement_id, state=OutboundMessage.State.QUEUED).exists():
        Announcement.objects.filter(pk=announcement_id, state=Announcement.State.SENDING).update(
            state=Announcement.State.SENT
        )
    return sent


def notify_call(call, *, by: User) -> Announcement:
    """One action when a call opens: tell the subscribers interested in its kind."""
    deadline = f" Applications close on {call.closes_at:%-d %B %Y}." if call.closes_at else ""
    link = absolute_url("applications:apply", slug=call.slug)
    announcement = compose(
        f"Applications are open: {call.name}",
        f"{call.name} is open for applications.{deadline}\n\nApply here: {link}",
        CALL_SEGMENT[call.kind],
        by=by,
        call=call,
    )
    send(announcement)
    return announcement


# --- Curriculum access requests ----------------------------------------------------------------


def request_access(name: str, email: str, affiliation: str, reason: str) -> AccessRequest:
    if not name.strip() or not reason.strip():
        raise UpdatesError("Tell us who you are and why you would like access.")
    return AccessRequest.objects.create(
        name=name.strip()[:200],
        email=email.strip(),
        affiliation=affiliation.strip()[:200],
        reason=reason.strip()[:5000],
    )


def decide_access(
    request: AccessRequest, *, approve: bool, by: User, curriculum: Curriculum | None = None
) -> AccessRequest:
    """Approve (mails the configured access instructions, records the curriculum version) or decline."""
    with transaction.atomic():
        locked = AccessRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state != AccessRequest.State.PENDING:
            raise UpdatesError(f"This request is already {locked.get_state_display().lower()}.")
        locked.state = AccessRequest.State.APPROVED if approve else AccessRequest.State.DECLINED
        locked.decided_by, locked.decided_at = by, timezone.now()
        if approve:
            curriculum = curriculum or Curriculum.objects.order_by("-imported_at").first()
            locked.curriculum, locked.version = curriculum, (curriculum.version if curriculum else "")
            outbox.queue_email(
                "access-approved",
                to=locked.email,
                context={
                    "name": locked.name,
                    "curriculum": curriculum,
                    "instructions": settings.CURRICULUM_ACCESS_INSTRUCTIONS,
                },
                idempotency_key=f"access-approved:{locked.pk}",
            )
        locked.save()
    return locked


def revoke_access(request: AccessRequest, *, by: User, note: str = "") -> AccessRequest:
    updated = AccessRequest.objects.filter(pk=request.pk, state=AccessRequest.State.APPROVED).update(
        state=AccessRequest.State.REVOKED, decided_by=by, decided_at=timezone.now(), note=note[:300]
    )
    if not updated:
        raise UpdatesError("Only approved access can be revoked.")
    return AccessRequest.objects.get(pk=request.pk)
