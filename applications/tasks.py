"""Celery tasks of the applications app: thin wrappers around services."""

import logging

from celery import shared_task

from applications import decisions, duplicates, intake, outbox, referees, retention
from applications.intake import imap
from applications.review import reviews
from program.tasking import run_steps

from .models import Application

log = logging.getLogger(__name__)


@shared_task(name="applications.tasks.task_send_outbound")
def task_send_outbound(message_id: int) -> bool:
    return outbox.send_outbound(message_id)


@shared_task(name="applications.tasks.task_send_queued_outbound")
def task_send_queued_outbound(limit: int = 200) -> dict:
    """Sweep: process mail stored but never processed, acknowledge what was missed, and send what is
    still queued (the broker was down, or a send failed and was put back). Each step runs on its own:
    one that fails (a poisoned message, a broken template) never stops the others."""
    return run_steps(
        {
            "process_pending": lambda: intake.process_pending(limit=limit),
            "acknowledge_pending": lambda: intake.acknowledge_pending(limit=limit),
            "requeue_stale": outbox.requeue_stale,
            "send_queued": lambda: outbox.send_queued(limit=limit),
        }
    )


@shared_task(name="applications.tasks.task_acknowledge_application")
def task_acknowledge_application(application_id: int, in_reply_to: str = "") -> None:
    application = Application.objects.select_related("applicant", "call").filter(pk=application_id).first()
    if application is None:
        log.info("Application %s is gone; no acknowledgement", application_id)
        return
    intake.acknowledge_application(application, in_reply_to=in_reply_to)
    duplicates.look_for_the_same_person(application.applicant)


@shared_task(name="applications.tasks.task_acknowledge_applications")
def task_acknowledge_applications(items: list[tuple[int, str]]) -> None:
    """The acknowledgements of one ingest_many chunk: (application id, Message-ID it answers) pairs."""
    replies = dict(items)
    for application in Application.objects.select_related("applicant", "call").filter(pk__in=replies):
        intake.acknowledge_application(application, in_reply_to=replies[application.pk])
        duplicates.look_for_the_same_person(application.applicant)


@shared_task(name="applications.tasks.task_poll_imap")
def task_poll_imap() -> int:
    return imap.poll_all()


@shared_task(name="applications.tasks.task_expire_offers")
def task_expire_offers() -> int:
    return decisions.expire_offers()


@shared_task(name="applications.tasks.task_remind_overdue_reviews")
def task_remind_overdue_reviews() -> int:
    return reviews.remind_overdue()


@shared_task(name="applications.tasks.task_retention_sweep")
def task_retention_sweep() -> dict:
    return retention.sweep()


@shared_task(name="applications.tasks.task_remind_referees")
def task_remind_referees() -> int:
    return referees.remind_before_deadline()


@shared_task(name="applications.tasks.task_send_announcement")
def task_send_announcement(announcement_id: int) -> int:
    """Send an announcement's queued messages in batches over one SMTP connection each."""
    from applications.updates import services as updates  # noqa: PLC0415

    return updates.deliver(announcement_id)
