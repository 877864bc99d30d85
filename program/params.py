"""Reading ids and choices from a request: a value that is not what the page expects is a 404 or a
plain default, never a server error (a non-integer, an overlong number, a NUL, a 10,000-character
string)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

_MAX_ID = 2**63 - 1  # the largest primary key any database here can hold


def int_or_none(value) -> int | None:
    """A positive integer id from a query or form value, or None."""
    if isinstance(value, int):
        return value if 0 < value <= _MAX_ID else None
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= _MAX_ID else None


def object_or_404(model_or_queryset, pk, **filters):
    """`get_object_or_404` for an id that came from a request: anything but a valid id is a 404."""
    number = int_or_none(pk)
    if number is None:
        raise Http404("No such object.")
    return get_object_or_404(model_or_queryset, pk=number, **filters)


def choice(value, allowed, default: str = "") -> str:
    """The value if it is one of `allowed`, else the default."""
    return value if value in allowed else default


def search_text(value, max_length: int = 200) -> str:
    """A search box's text, trimmed and bounded."""
    return (value or "").strip()[:max_length]
