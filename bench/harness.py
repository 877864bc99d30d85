"""Small helpers shared by the benchmark scripts: time a callable, count its SQL, print a table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Row:
    name: str
    n: str
    median_ms: float
    queries: int | str = ""
    extra: dict = field(default_factory=dict)


def measure(fn: Callable[[], object], *, repeat: int = 15, warmup: int = 2) -> tuple[float, int, float]:
    """Median wall ms, SQL queries of one call, and median CPU ms over `repeat` calls."""
    for _ in range(warmup):
        fn()
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)
    walls, cpus = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    return statistics.median(walls), queries, statistics.median(cpus)


def print_table(rows: list[Row]) -> None:
    extras = sorted({k for r in rows for k in r.extra})
    header = ["name", "N", "median ms", "SQL queries", *extras]
    body = [
        [r.name, r.n, f"{r.median_ms:.1f}", str(r.queries), *[str(r.extra.get(k, "")) for k in extras]] for r in rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(header)]
    line = "+".join("-" * (w + 2) for w in widths)
    print("|".join(f" {h:<{w}} " for h, w in zip(header, widths)))
    print(line)
    for b in body:
        print("|".join(f" {c:<{w}} " if i == 0 else f" {c:>{w}} " for i, (c, w) in enumerate(zip(b, widths))))
