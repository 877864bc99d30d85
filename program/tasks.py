"""Celery tasks of the program app: thin wrappers around services."""

from celery import shared_task

from . import services
from .help import webhook
from .labs import collector


@shared_task(name="program.tasks.task_record_heartbeat")
def task_record_heartbeat(name: str = "worker") -> str:
    heartbeat = services.record_heartbeat(name)
    return heartbeat.seen_at.isoformat()


@shared_task(name="program.tasks.task_pull_lab_progress")
def task_pull_lab_progress() -> dict:
    """Beat, every LAB_PULL_INTERVAL_SECONDS: one round over every active lab machine."""
    result = collector.run_round()
    return {
        "pulled": len(result.pulled),
        "failed": sum(not p.ok for p in result.pulled),
        "skipped": result.skipped,
        "seconds": round(result.seconds, 2),
    }


@shared_task(name="program.tasks.task_help_webhooks")
def task_help_webhooks() -> int:
    """Beat, every minute: tell each cohort's webhook about help requests waiting too long."""
    return webhook.notify_long_waits()
