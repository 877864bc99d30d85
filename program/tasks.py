"""Celery tasks of the program app: thin wrappers around services."""

from celery import shared_task

from . import services


@shared_task(name="program.tasks.task_record_heartbeat")
def task_record_heartbeat(name: str = "worker") -> str:
    heartbeat = services.record_heartbeat(name)
    return heartbeat.seen_at.isoformat()
