"""Work on thousands of rows at once (a bank file, a statement): `collector_paused()` and `ids_in()`.

Building a 10,000-transfer pain.001 file allocates about 120,000 XML elements and 10,000 dicts; each
allocation burst makes Python's cyclic garbage collector rescan the whole heap (Django, pandas,
WeasyPrint: hundreds of thousands of objects), which took half the file's time in `make bench`. What
bulk work allocates is acyclic (trees, rows, tuples), so reference counting frees it anyway; pausing the
collector for the duration loses nothing, and it resumes its usual schedule afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models.expressions import RawSQL


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector (not reference counting) for a bulk step; nests; restores on error."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def ids_in(ids: list[int]) -> list[int] | RawSQL:
    """The value for `pk__in=` with thousands of ids: one array parameter on PostgreSQL (sending and
    planning 10,000 placeholders took longer than the UPDATE they select for), the list elsewhere."""
    if connection.vendor == "postgresql" and len(ids) > 100:
        return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])
    return ids
