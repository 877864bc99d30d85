from celery import shared_task

from . import services


@shared_task(name="grants.tasks.task_mark_due")
def task_mark_due() -> int:
    return services.mark_due()
