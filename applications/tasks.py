"""Celery tasks of the applications app: thin wrappers around services."""

import logging

from celery import shared_task

from . import imap, outbox

log = logging.getLogger(__name__)


@shared_task(name="applications.tasks.task_send_outbound")
def task_send_outbound(message_id: int) -> bool:
    return outbox.send_outbound(message_id)


@shared_task(name="applications.tasks.task_send_queued_outbound")
def task_send_queued_outbound(limit: int = 200) -> int:
    """Sweep: send what is still queued (the broker was down, or a send failed and was put back)."""
    return outbox.send_queued(limit=limit)


@shared_task(name="applications.tasks.task_poll_imap")
def task_poll_imap() -> int:
    return imap.poll_all()
