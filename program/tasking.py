"""Queueing Celery tasks safely.

Tasks are queued after the database commit, so a rolled-back change never triggers work. When the broker
is down the request still succeeds: the effect is claimed from a database state (an outbox row, a due
installment) and the periodic sweep picks it up, so we log one clear line instead of failing the page.
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def send_task(task, **kwargs) -> bool:
    """Queue `task` now; False (with a logged reason) when the broker cannot take it."""
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
