"""Logs a machine can read: with `LOG_FORMAT=json`, one JSON object per line. Every request gets an id
(the proxy's `X-Request-ID` when it is a sane token, else a new one; echoed in the response) and one
line when it ends (method, path, status, duration, user); every Celery task one line when it ends
(name, state, duration), with the task's id. Lines logged meanwhile carry the same id."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid

from celery.signals import task_postrun, task_prerun

current_request = contextvars.ContextVar("request_id", default="")
current_task = contextvars.ContextVar("task_id", default="")
log = logging.getLogger("runway.requests")
task_log = logging.getLogger("runway.tasks")
SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_task_started: dict[str, float] = {}


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        token = current_request.set(given if SANE_ID.match(given) else uuid.uuid4().hex)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = current_request.get()
            user = getattr(request, "user", None)
            log.info("request", extra={
                "method": request.method, "path": request.path[:300], "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "user": user.pk if user is not None and user.is_authenticated else None,
            })  # fmt: skip
            return response
        finally:
            current_request.reset(token)


@task_prerun.connect
def _task_starts(task_id: str = "", task=None, **kwargs) -> None:
    current_task.set(task_id or "")
    _task_started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_ends(task_id: str = "", task=None, state: str = "", **kwargs) -> None:
    started = _task_started.pop(task_id, None)
    task_log.info("task", extra={
        "task": getattr(task, "name", ""), "state": state,
        "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
    })  # fmt: skip
    current_task.set("")


class IdsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request.get()
        record.task_id = current_task.get()
        return True


STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id", "task_id"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "task_id"):
            if getattr(record, key, ""):
                out[key] = getattr(record, key)
        out.update({k: v for k, v in vars(record).items() if k not in STANDARD})
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)
