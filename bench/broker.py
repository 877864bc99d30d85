"""A web application submitted while the broker is broken: the request must not wait on it (goal: the
publish gives up within about 0.5 s; before issue 13 it retried for 6 s). Two kinds of broken: nothing
listens on the port (refused), and a server that accepts and closes every connection at once."""

from __future__ import annotations

import socket
import threading
import time

from django.core.management import call_command
from django.test import Client

from applications.models import Call
from config.celery import app

from .harness import Row


def _closing_server() -> tuple[socket.socket, int]:
    sock = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return sock, sock.getsockname()[1]


def _post_with_broker(url: str, broker: str, n: int = 5) -> float:
    saved = app.conf.broker_write_url, app.conf.task_always_eager
    app.conf.broker_write_url, app.conf.task_always_eager = broker, False
    app.amqp._producer_pool = None
    client, times = Client(), []
    try:
        for i in range(n):
            started = time.perf_counter()
            response = client.post(url, {"email": f"bench{time.time_ns()}-{i}@example.org", "name": "Bench"})
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
    finally:
        app.conf.broker_write_url, app.conf.task_always_eager = saved
        app.amqp._producer_pool = None
    return sorted(times)[len(times) // 2]


def run() -> list[Row]:
    call_command("flush", "--no-input", verbosity=0)
    call = Call.objects.create(name="Bench call", slug="bench-call", kind="grant")
    url = f"/applications/apply/{call.slug}/"
    sock, port = _closing_server()
    rows = [
        Row("web application, broker refusing connections", "1 POST", _post_with_broker(url, "redis://127.0.0.1:1/0"),
            extra={"vs floor / note": "goal ≤ ~500 ms of broker wait"}),
        Row("web application, broker closing connections", "1 POST",
            _post_with_broker(url, f"redis://127.0.0.1:{port}/0"), extra={"vs floor / note": "goal ≤ ~500 ms"}),
    ]  # fmt: skip
    sock.close()
    return rows
