"""A real Celery worker process consumes a task queued from Django over Redis and writes to PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from program.models import WorkerHeartbeat
from program.tasks import task_record_heartbeat

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.fixture
def worker(settings, tmp_path):
    queue = f"runway-test-{uuid.uuid4().hex[:8]}"
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="True",
        DATABASE_URL=_database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        CELERY_TASK_DEFAULT_QUEUE=queue,
        RUNWAY_VAR_DIR=str(tmp_path),
    )
    log = open(tmp_path / "worker.log", "w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield queue
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_a_task_queued_from_django(worker, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)

    task_record_heartbeat.apply_async(kwargs={"name": "integration"}, queue=worker)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not WorkerHeartbeat.objects.filter(name="integration").exists():
        time.sleep(0.2)
    heartbeat = WorkerHeartbeat.objects.get(name="integration")
    assert heartbeat.hostname != ""
