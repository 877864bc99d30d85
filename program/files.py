"""Stored files that outlive nothing: a replaced file is removed once the change that replaced it commits."""

from __future__ import annotations

import logging
import secrets

from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)


def generated_name(prefix: str) -> str:
    """Uploaded files are stored under generated names, never the uploader's file name."""
    return f"{prefix}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


def delete_after_commit(storage, name: str) -> None:
    """Remove a stored file when the surrounding transaction commits (never when it rolls back, when
    the row still points at it)."""
    if not name:
        return

    def delete():
        try:
            storage.delete(name)
        except Exception:  # a file that cannot be removed is logged, never an error for the person
            log.exception("Could not remove replaced file %s", name)

    transaction.on_commit(delete)
