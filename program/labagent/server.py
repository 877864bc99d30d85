"""`serve`: GET /v1/progress behind one bearer token per machine (compared in constant time)."""

from __future__ import annotations

import hmac
import json
import logging
import socket
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from . import AGENT_VERSION, SCHEMA
from .gpus import gpu_facts
from .reports import MAX_REPORT_BYTES, scan

log = logging.getLogger("labagent")


REQUEST_DEADLINE = 15.0  # seconds from accepting a connection to the last byte of the answer


def make_handler(
    reports: Path, token: str, max_bytes: int = MAX_REPORT_BYTES, gpus=gpu_facts, deadline: float = REQUEST_DEADLINE
):
    """The request handler class for one reports folder and token.

    Long because the handler class is defined inside it: its methods close over the folder, the token,
    the size cap and the deadline (http.server builds one handler object per request from the class)."""
    expected = f"Bearer {token}".encode()

    class Handler(BaseHTTPRequestHandler):
        server_version = f"runway-labagent/{AGENT_VERSION}"
        sys_version = ""
        timeout = 10  # per read: a client that stops sending its request is dropped

        def setup(self):
            # The per-read timeout alone lets a client that trickles a byte every few seconds hold a
            # thread for ever; the whole request gets one deadline, after which its socket is shut down.
            super().setup()
            self._deadline = threading.Timer(deadline, self._expire)
            self._deadline.daemon = True
            self._deadline.start()

        def _expire(self):
            log.warning("%s: request still open after %.0f s; closing it", self.client_address[0], deadline)
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        def finish(self):
            self._deadline.cancel()
            try:
                super().finish()
            except OSError:  # the deadline closed the socket under us
                pass

        def log_message(self, fmt, *args):
            log.info("%s %s", self.address_string(), fmt % args)

        def _send(self, status: int, body: dict, extra: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_GET(self):  # noqa: N802
            url = urlsplit(self.path)
            if url.path != "/v1/progress":
                return self._send(404, {"error": "not found; the agent answers GET /v1/progress"})
            given = (self.headers.get("Authorization") or "").encode()
            if not hmac.compare_digest(given, expected):
                return self._send(401, {"error": "missing or wrong bearer token"}, {"WWW-Authenticate": "Bearer"})
            try:
                since = int(parse_qs(url.query).get("since", ["0"])[0])
            except ValueError:
                return self._send(400, {"error": "since must be an integer seq"})
            seq, found = scan(reports, since, max_bytes)
            facts, reason = gpus()
            machine = {"hostname": socket.gethostname(), "agent_version": AGENT_VERSION, "gpus": facts}
            if reason:
                machine["gpus_reason"] = reason
            self._send(
                200,
                {
                    "schema": SCHEMA,
                    "machine": machine,
                    "generated_at": datetime.now(UTC).isoformat(),
                    "seq": seq,
                    "reports": found,
                },
            )

        def _refuse(self):
            self._send(405, {"error": "the agent is read-only: GET /v1/progress"}, {"Allow": "GET"})

        do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_TRACE = do_CONNECT = _refuse  # noqa: N815

    return Handler


def make_server(host: str, port: int, reports: Path, token: str, **kwargs) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), make_handler(Path(reports), token, **kwargs))
    server.daemon_threads = True
    return server
