from celery import shared_task

from . import checkins, outcomes, services
from .payments import installments


@shared_task(name="grants.tasks.task_mark_due")
def task_mark_due() -> int:
    return installments.mark_due()


@shared_task(name="grants.tasks.task_checkin_reminders")
def task_checkin_reminders() -> dict:
    return checkins.send_reminders()


@shared_task(name="grants.tasks.task_ask_outcomes")
def task_ask_outcomes() -> int:
    return outcomes.ask_where_they_are()


@shared_task(name="grants.tasks.task_complete_grants")
def task_complete_grants() -> int:
    """Daily: active grants that are over (end date passed, last installment paid) become completed."""
    return len(services.complete_finished())
