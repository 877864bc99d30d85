from celery import shared_task

from . import checkins, outcomes, services


@shared_task(name="grants.tasks.task_mark_due")
def task_mark_due() -> int:
    return services.mark_due()


@shared_task(name="grants.tasks.task_checkin_reminders")
def task_checkin_reminders() -> dict:
    return checkins.send_reminders()


@shared_task(name="grants.tasks.task_ask_outcomes")
def task_ask_outcomes() -> int:
    return outcomes.ask_where_they_are()
