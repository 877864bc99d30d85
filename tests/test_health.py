import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery import Celery

from program.tasking import send_task

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_ok(client):
    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["database"]["ok"], body["broker"]["ok"]) == ("ok", True, True)
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_is_503_when_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 503
    assert (body["status"], body["database"]["ok"], body["broker"]["ok"]) == ("unavailable", True, False)
    assert body["broker"]["error"].startswith("broker unreachable: OperationalError")


def _run_with_database_down(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="False",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="False",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/runway",
        RUNWAY_VAR_DIR=str(tmp_path),
    )
    code = "import django; django.setup()\nfrom django.test import Client\n" + script
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_healthz_is_503_when_database_is_down(tmp_path):
    result = _run_with_database_down(
        "r = Client().get('/healthz')\nprint(r.status_code)\nprint(r.content.decode())", tmp_path
    )

    status, body = result.stdout.split("\n", 1)
    body = json.loads(body)
    assert status == "503"
    assert (body["database"]["ok"], body["broker"]["ok"]) == (False, True)
    assert body["database"]["error"].startswith("database unreachable: OperationalError")


def test_page_with_database_down_shows_a_friendly_error_not_a_traceback(tmp_path):
    result = _run_with_database_down(
        "c = Client(raise_request_exception=False)\nc.cookies['sessionid'] = 'a' * 32\n"
        "r = c.get('/')\nprint(r.status_code)\nprint(r.content.decode())",
        tmp_path,
    )

    status, body = result.stdout.split("\n", 1)
    assert status == "500"
    assert "Something went wrong on our side" in body
    assert "Traceback" not in body and "OperationalError" not in body


def test_send_task_with_broker_down_logs_a_clear_line_and_returns_false(caplog, monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery prefers it over the argument
    app = Celery("broker-down", broker="redis://127.0.0.1:1/0")
    app.conf.broker_connection_timeout = 1

    @app.task(name="tests.noop")
    def noop():
        return None

    with caplog.at_level(logging.ERROR, logger="program.tasking"):
        queued = send_task(noop)

    assert queued is False
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "Broker unavailable, tests.noop not queued (the periodic sweep will retry)"
    ]
