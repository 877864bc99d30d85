"""One holder at a time across every process and host that shares the database.

On PostgreSQL a session advisory lock (`pg_try_advisory_lock`): every web process and worker on every
host sees it, and it ends with the connection, so a worker that dies never leaves it held. On SQLite
(the embedded default, one host) a `flock` on a file in RUNWAY_VAR_DIR does the same for the processes
of that host. Neither depends on the cache, which is per process unless CACHE_URL names a shared one.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def held(name: str) -> Iterator[bool]:
    """`with held("imap-poll:…") as mine:` — `mine` is False (and nothing waits) when another process
    holds it; the lock is released when the block ends, however it ends."""
    with (advisory_lock if connection.vendor == "postgresql" else file_lock)(name) as mine:
        yield mine


@contextmanager
def advisory_lock(name: str) -> Iterator[bool]:
    """PostgreSQL's session advisory lock on this process's connection, tried without waiting."""
    key = _key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        mine = cursor.fetchone()[0]
    try:
        yield mine
    finally:
        if mine:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextmanager
def file_lock(name: str) -> Iterator[bool]:
    """An exclusive `flock` on RUNWAY_VAR_DIR/locks/…, tried without waiting (one host's processes)."""
    folder = settings.VAR_DIR / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{_key(name) & 0xFFFFFFFFFFFF:012x}.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
