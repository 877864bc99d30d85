"""The production profile: `make prod-check` (gunicorn ×2, a worker and beat on PostgreSQL and Redis,
DEBUG off, static files hashed and compressed by WhiteNoise, secure cookies behind the TLS proxy header,
and a browser journey against it) passes; logs are one JSON line per request and per task with ids."""

import io
import json
import logging
import subprocess

import pytest
from django.urls import reverse

from program.logs import IdsFilter, JsonFormatter
from tests.servers.dovecot import free_port


@pytest.fixture
def json_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(IdsFilter())
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger("runway.requests"), logging.getLogger("runway.tasks")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


def test_each_request_is_one_json_line_with_its_id(client, db, json_lines):
    given = client.get(reverse("program:privacy"), HTTP_X_REQUEST_ID="proxy-id-12345678")
    made = client.get(reverse("program:privacy"), HTTP_X_REQUEST_ID="bad id; drop")

    lines = json_lines()
    assert given["X-Request-ID"] == "proxy-id-12345678" and len(made["X-Request-ID"]) == 32
    assert [(line["message"], line["request_id"], line["status"], line["path"]) for line in lines] == [
        ("request", "proxy-id-12345678", 200, "/privacy/"),
        ("request", made["X-Request-ID"], 200, "/privacy/"),
    ]
    assert all(isinstance(line["ms"], float) and line["user"] is None for line in lines)


def test_each_task_is_one_json_line_with_its_id(db, json_lines):
    from program.tasks import task_record_heartbeat  # noqa: PLC0415

    result = task_record_heartbeat.apply_async()

    task_lines = [line for line in json_lines() if line["message"] == "task"]
    assert task_lines[-1]["task"] == "program.tasks.task_record_heartbeat" and task_lines[-1]["state"] == "SUCCESS"
    assert task_lines[-1]["task_id"] == result.id


@pytest.mark.postgres
@pytest.mark.redis
def test_make_prod_check_passes():
    """The production profile, started the way `make prod-check` starts it, with its smoke checks and
    the browser journey against gunicorn (about a minute)."""
    result = subprocess.run(
        ["bash", "scripts/prod_check.sh"], capture_output=True, text=True, timeout=420,
        env={**__import__("os").environ, "PROD_CHECK_PORT": str(free_port()), "PROD_CHECK_BROKER": "redis://127.0.0.1:6379/12"},
    )  # fmt: skip

    checks = [line for line in result.stdout.splitlines() if line.startswith(("ok ", "FAIL"))]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "prod-check: passed" in result.stdout and len(checks) >= 13 and not any(c.startswith("FAIL") for c in checks)
