"""Liveness checks of the parts Runway needs, with short timeouts. The checks return details (latency,
the error) for the log; /healthz, which anyone can reach, shows one word per part."""

from __future__ import annotations

import logging
import time

from kombu import Connection

log = logging.getLogger(__name__)


def check_database(connection) -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the message says which
        log.error("Database check failed: %s", exc)
        return {"ok": False, "error": f"database unreachable: {type(exc).__name__}: {str(exc).strip()[:200]}"}
    return {"ok": True, "latency_ms": round((time.monotonic() - started) * 1000, 1), "vendor": connection.vendor}


def check_broker(url: str, transport_options: dict | None = None, timeout: float = 0.5) -> dict:
    started = time.monotonic()
    options = dict(transport_options or {})
    options.setdefault("socket_connect_timeout", timeout)
    options.setdefault("socket_timeout", timeout)
    try:
        with Connection(url, connect_timeout=timeout, transport_options=options) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
            conn.default_channel  # noqa: B018  (opening a channel is a real round trip to Redis)
            transport = conn.transport.driver_name
    except Exception as exc:
        log.error("Broker check failed for %s: %s", _redact(url), exc)
        return {"ok": False, "error": f"broker unreachable: {type(exc).__name__}: {str(exc).strip()[:200]}"}
    return {"ok": True, "latency_ms": round((time.monotonic() - started) * 1000, 1), "transport": transport}


def _redact(url: str) -> str:
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def worker_state(last_seen, now, stale_after_seconds: float) -> str:
    """ "ok" when a worker beat recently, "stale" when the last beat is older than the limit, "never"."""
    if last_seen is None:
        return "never"
    return "ok" if (now - last_seen).total_seconds() <= stale_after_seconds else "stale"
