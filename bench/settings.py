"""Benchmark settings: the test settings on a benchmark database of its own.

SQLite file under var/bench by default (the embedded default a newcomer runs); set BENCH_DATABASE_URL to
measure on PostgreSQL instead.
"""

import os
from pathlib import Path

_var = Path(__file__).resolve().parent.parent / "var" / "bench"
_var.mkdir(parents=True, exist_ok=True)
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{_var / 'bench.sqlite3'}")
os.environ.setdefault("CELERY_BROKER_URL", "filesystem://")

from config.test_settings import *  # noqa: E402,F403

# Queue the acknowledgement like production does (a worker sends it), instead of sending inline.
CELERY_TASK_ALWAYS_EAGER = False
