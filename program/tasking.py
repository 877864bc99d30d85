"""Queueing Celery tasks safely, by name.

Services name the task they want (`"applications.tasks.task_send_outbound"`) instead of importing the
tasks module: `tasks.py` files import services, never the other way round, so there is no import
circle. Each app's `ready()` imports its `tasks` so the names are registered in every process.

Tasks are queued after the database commit, so a rolled-back change never triggers work. When the broker
is down the request still succeeds: the effect is claimed from a database state (an outbox row, a due
installment) and the periodic sweep picks it up, so we log one clear line instead of failing the page.
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def _task(task):
    """A registered task by its name (a task object passes through)."""
    if not isinstance(task, str):
        return task
    from celery import current_app  # noqa: PLC0415  (the project's app, set up by config.celery)

    try:
        return current_app.tasks[task]
    except KeyError:
        raise LookupError(f"No Celery task named {task!r}; is its app's tasks module imported in ready()?") from None


def send_task(task, **kwargs) -> bool:
    """Queue `task` (a registered name or a task) now; False (with a logged reason) when the broker
    cannot take it."""
    task = _task(task)
    try:
        task.apply_async(kwargs=kwargs, retry=False)
    except (OperationalError, OSError) as exc:
        log.error(
            "Broker unavailable, %s not queued (the periodic sweep will retry): %s. "
            "Check CELERY_BROKER_URL and that the broker is running.",
            task.name,
            exc,
        )
        return False
    return True


def enqueue_on_commit(task, **kwargs) -> None:
    """Queue `task` (a registered name) once the surrounding transaction commits."""
    _task(task)  # an unknown name fails here, in the caller, not silently after the commit
    transaction.on_commit(lambda: send_task(task, **kwargs))


def run_steps(steps: dict) -> dict:
    """Run each step of a periodic job on its own: a step that raises is logged and reported as
    "failed", and never stops the steps after it. Returns {name: result or "failed"}."""
    results = {}
    for name, step in steps.items():
        try:
            results[name] = step()
        except Exception:
            log.exception("Periodic step %s failed; the other steps still run", name)
            results[name] = "failed"
    return results
