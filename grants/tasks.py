from celery import shared_task

from . import checkins, services


@shared_task(name="grants.tasks.task_mark_due")
def task_mark_due() -> int:
    return services.mark_due()


@shared_task(name="grants.tasks.task_checkin_reminders")
def task_checkin_reminders() -> dict:
    return checkins.send_reminders()
