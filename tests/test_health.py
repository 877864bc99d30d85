import json
import logging
import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.urls import reverse
from django.utils import timezone

from applications.tasks import task_send_outbound  # noqa: F401  (registers the app's tasks)
from config.celery import app as config_app
from program import services
from program.models import WorkerHeartbeat
from program.tasking import send_task
from tests.factories import CallFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_reports_one_word_per_part(client):
    services.record_heartbeat("worker")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "worker": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_calls_a_worker_silent_for_an_hour_stale(client):
    services.record_heartbeat("worker")
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(hours=1))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "ok", "worker": "stale"}


@pytest.mark.django_db
def test_healthz_is_503_when_broker_is_down_and_shows_no_host_or_error(client, settings, caplog):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    with caplog.at_level(logging.ERROR, logger="program.health"):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "down", "worker": "never"}
    assert "127.0.0.1" not in response.content.decode() and "Error" not in response.content.decode()
    assert "Broker check failed for redis://127.0.0.1:1/0" in caplog.text  # the details are in the log


class _ClosingServer:
    """A TCP server on 127.0.0.1 that accepts and at once closes every connection, counting them: a
    broker that is there but cannot be used."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self):
        self.sock.close()


@pytest.mark.django_db
def test_a_web_application_with_a_broken_broker_tries_once_and_still_succeeds(
    client, caplog, django_capture_on_commit_callbacks
):
    broker = _ClosingServer()
    call = CallFactory(slug="web-call")
    conf = config_app.conf
    saved = conf.broker_write_url, conf.task_always_eager
    conf.broker_write_url, conf.task_always_eager = f"redis://127.0.0.1:{broker.port}/0", False
    config_app.amqp._producer_pool = None  # the next publish opens a connection to this broker
    try:
        with caplog.at_level(logging.ERROR, logger="program.tasking"):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    reverse("applications:apply", kwargs={"slug": call.slug}),
                    {"email": "web@example.org", "name": "Web Person"},
                )
    finally:
        conf.broker_write_url, conf.task_always_eager = saved
        config_app.amqp._producer_pool = None
        broker.close()

    assert response.status_code == 200 and b"web@example.org" in response.content
    assert broker.accepted == 1  # one attempt, no retries inside the request
    assert "Broker unavailable, applications.tasks.task_acknowledge_application not queued" in caplog.text


def _run_with_database_down(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="False",
        SECRET_KEY="x" * 60,
        PAYOUT_ENCRYPTION_KEYS="cHJvZHVjdGlvbi1rZXktZm9yLXRoZS1jaGVjay0wMTI=",
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
    assert (body["status"], body["database"], body["broker"], body["worker"]) == (
        "unavailable",
        "down",
        "ok",
        "unknown",
    )
    assert "127.0.0.1" not in json.dumps(body)


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


def test_the_favicon_is_found(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
