"""Acknowledging a new application: one email per application (idempotency key) with the personal
questionnaire link, queued by a worker after the commit; the sweep acknowledges what the broker missed,
for applications still `received` only."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from applications import links, outbox
from applications.models import Application, ApplicationState, OutboundMessage, Questionnaire
from applications.services import transition_application
from program.tasking import enqueue_on_commit

log = logging.getLogger(__name__)


def acknowledge_after_commit(application: Application, in_reply_to: str, pending: list | None = None) -> None:
    """Queue the acknowledgement for a worker once this commits. Rendering and queueing the email is a
    worker's job: intake stays fast, and a broken template can never make a message unprocessable; the
    periodic sweep acknowledges anything missed. With `pending` (the list of an ingest_many chunk) the
    pair is only collected: the chunk queues one task for all of them."""
    if pending is not None:
        pending.append((application.pk, in_reply_to))
        return
    enqueue_on_commit(
        "applications.tasks.task_acknowledge_application", application_id=application.pk, in_reply_to=in_reply_to
    )


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
