"""A load test with Locust against gunicorn (2 workers) on PostgreSQL: 50 signed-in users (organizers on
the review queue, participants on Today, TAs on the help queue) for LOAD_SECONDS (30) on 127.0.0.1 only;
req/s, p50, p95 and errors per page, at the pages' own pace (a request per user every 3 s: Today's help
box and the TA's queue poll that often) and at three times it (every second) for the ceiling; see
bench/locustfile.py. Needs PostgreSQL (BENCH_DATABASE_URL or 127.0.0.1:5432)."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .harness import Row

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
USERS, SECONDS = 50, int(os.environ.get("LOAD_SECONDS", "30"))
# The pages' own pace (they poll every 3 s), then three times that to find the ceiling.
PACES = (3.0, 1.0)
SESSIONS_CODE = """
import json
from django.contrib.auth import login
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
from program.models import User
out = {}
for role, emails in {"organizer": ["organizer@runway.test"], "ta": [f"ta{i}@runway.test" for i in range(1, 5)],
                     "participant": [f"participant{i:02d}@runway.test" for i in range(1, 33)]}.items():
    out[role] = []
    for email in emails:
        request = HttpRequest(); request.session = SessionStore()
        login(request, User.objects.get(email=email), backend="django.contrib.auth.backends.ModelBackend")
        request.session.save(); out[role].append(request.session.session_key)
print(json.dumps(out))
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run() -> list[Row]:
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        return [Row("load test (Locust)", "skipped", 0, "", {"note": "needs PostgreSQL (BENCH_DATABASE_URL)"})]
    db = f"runway_load_{os.getpid()}"
    admin = base.rsplit("/", 1)[0] + "/postgres"
    var = Path(tempfile.mkdtemp(prefix="runway-load-"))
    port = _port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "False", "ALLOWED_HOSTS": "127.0.0.1",
           "SECRET_KEY": "load-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
           "PAYOUT_ENCRYPTION_KEYS": "bG9hZC10ZXN0LW9ubHktcGF5b3V0LWtleS0wMTIzNDU=", "DATABASE_URL": base.rsplit("/", 1)[0] + f"/{db}",
           "RUNWAY_VAR_DIR": str(var), "SECURE_SSL_REDIRECT": "False", "SESSION_COOKIE_SECURE": "False",
           "CSRF_COOKIE_SECURE": "False", "STATIC_MANIFEST": "False", "CELERY_BROKER_URL": "filesystem://",
           "RUNWAY_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "WEB_ACCESS_LOG": "/dev/null", "LOG_LEVEL": "WARNING"}  # fmt: skip
    subprocess.run(["psql", admin, "-q", "-c", f"CREATE DATABASE {db}"], check=True, capture_output=True)
    web = None
    try:
        manage = [str(BIN / "python"), "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "seed_demo", "--quiet"], cwd=ROOT, env=env, check=True)
        sessions = subprocess.run([*manage, "shell", "-c", SESSIONS_CODE], cwd=ROOT, env=env, check=True,
                                  capture_output=True, text=True).stdout.strip().splitlines()[-1]  # fmt: skip
        (var / "sessions.json").write_text(sessions)
        web = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"], cwd=ROOT, env=env
        )
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        _warm_up(port, json.loads(sessions))
        stats = {pace: _locust(env, var, port, pace) for pace in PACES}
    finally:
        if web is not None:
            web.terminate()
            web.wait(20)
        subprocess.run(["psql", admin, "-q", "-c", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], capture_output=True)
    rows = []
    for pace, table in stats.items():
        for stat in table:
            name = "load: all pages" if stat["Name"] == "Aggregated" else f"load: {stat['Name']}"
            rows.append(Row(name, f"{USERS} users, a request each {pace:g} s, {SECONDS} s", float(stat["50%"]), "", {
                "req/s": f"{float(stat['Requests/s']):.1f}", "p95 ms": stat["95%"], "errors": stat["Failure Count"],
                "requests": stat["Request Count"],
            }))  # fmt: skip
    return rows


def _warm_up(port: int, sessions: dict) -> None:
    """Each page a few times before measuring: a fresh gunicorn worker compiles templates and opens its
    database connections on its first requests (a server that has been up for a minute has done so)."""
    pages = {"organizer": ["/applications/calls/mlab3-participants/queue/"], "ta": ["/cohorts/mlab3/queue/"],
             "participant": ["/today/", "/today/help/"]}  # fmt: skip
    for role, paths in pages.items():
        for path in paths * 12:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}", headers={"Cookie": f"sessionid={sessions[role][0]}"}
            )
            urllib.request.urlopen(request, timeout=30).close()


def _locust(env: dict, var: Path, port: int, pace: float) -> list[dict]:
    """One Locust run at this pace (seconds between one user's requests); its summary rows. The users
    arrive 10 a second; the numbers restart once all 50 are in (`--reset-stats`: the steady state, not
    the ramp, whose first page per user also opens a connection)."""
    out = var / f"load-{pace:g}"
    subprocess.run(
        [str(BIN / "locust"), "-f", "bench/locustfile.py", "--headless", "-u", str(USERS), "-r", "10",
         "-t", f"{SECONDS}s", "--reset-stats", "--host", f"http://127.0.0.1:{port}", "--csv", str(out), "--only-summary"],
        cwd=ROOT, check=False, capture_output=True,
        env={**env, "LOAD_SESSIONS": str(var / "sessions.json"), "LOAD_COHORT": "mlab3",
             "LOAD_CALL": "mlab3-participants", "LOAD_PACE": str(pace)},
    )  # fmt: skip
    with open(f"{out}_stats.csv") as handle:
        return list(csv.DictReader(handle))
