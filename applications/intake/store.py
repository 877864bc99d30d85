"""Storing a message before anything else: the raw bytes in private storage (content-addressed), the
row with its SHA-256 and Message-ID, and the claim of both keys (a unique row per key, so two workers
handling the same message cannot both win)."""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from applications.intake.mime import headers_only, message_id, raw_header
from applications.intake.triage import Stop
from applications.models import InboundKey, InboundMessage
from applications.models import InboundOutcome as O
from program.text import clean_text

log = logging.getLogger(__name__)


def raw_row(raw: bytes, *, source: str, source_ref: str = "") -> InboundMessage:
    """The message's bytes written to private storage (content-addressed) and its row, not yet saved."""
    sha = hashlib.sha256(raw).hexdigest()
    message = InboundMessage(sha256=sha, size=len(raw), source=source, source_ref=clean_text(source_ref)[:500])
    path = message.raw.field.generate_filename(message, "raw.eml")
    if default_storage.exists(path):
        message.raw.name = path  # content-addressed: the same bytes are stored once
    else:
        message.raw.name = default_storage.save(path, ContentFile(raw))
    message.message_id = message_id(raw_header(headers_only(raw), "Message-ID"))
    return message


def store_raw(raw: bytes, *, source: str, source_ref: str = "") -> InboundMessage:
    """Write the bytes to private storage and record them, before any parsing (committed at once)."""
    message = raw_row(raw, source=source, source_ref=source_ref)
    message.save()
    return message


def keys_of(message: InboundMessage) -> list[str]:
    keys = [f"sha256:{message.sha256}"]
    if message.message_id.strip():
        keys.append(f"msgid:{message.message_id.strip().lower()}")
    return keys


def claim(message_pk: int, keys: list[str]) -> set[str]:
    """Insert the keys that are still free and return those this statement inserted.

    INSERT … ON CONFLICT DO NOTHING RETURNING (PostgreSQL, SQLite ≥ 3.35): the ORM's bulk_create with
    ignore_conflicts cannot say which rows it inserted, which would cost a SELECT per message."""
    table = connection.ops.quote_name(InboundKey._meta.db_table)
    key_column, message_column = (connection.ops.quote_name(c) for c in ("key", "message_id"))
    values = ", ".join(["(%s, %s)"] * len(keys))
    params = [p for key in keys for p in (key, message_pk)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {message_column}) VALUES {values} "  # noqa: S608 (names quoted, values bound)
            f"ON CONFLICT ({key_column}) DO NOTHING RETURNING {key_column}",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


def claim_or_duplicate(message: InboundMessage) -> None:
    """Claim this message's hash and Message-ID; if another message holds one, this is a duplicate.

    The claim is a unique row, so two workers handling the same message at once cannot both win.
    """
    keys = keys_of(message)
    if claim(message.pk, keys) == set(keys):
        return  # every key is ours (the usual case): one statement, no second look
    owners = dict(InboundKey.objects.filter(key__in=keys).values_list("key", "message_id"))
    for key in keys:
        owner = owners.get(key)
        if owner != message.pk:
            message.duplicate_of_id = owner
            what = "Message-ID" if key.startswith("msgid:") else "content"
            raise Stop(O.DUPLICATE_IGNORED, detail=f"Same {what} as message #{owner}; nothing done.")
