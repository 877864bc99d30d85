"""Bank details at rest: sealed with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`).

Keys come from `PAYOUT_ENCRYPTION_KEYS` (comma-separated Fernet keys, the newest first; required in
production, derived from SECRET_KEY under DEBUG). `MultiFernet` decrypts with any listed key and
encrypts with the first, so a new key is added in front, `python manage.py rotate_payout_keys`
re-encrypts every row with it, and the old key can then be dropped.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction

from grants.models import PayoutDetails


class SealBroken(Exception):
    """A sealed value no configured key opens (a key was dropped before rotating)."""


def _keys() -> MultiFernet:
    return _multifernet(tuple(settings.PAYOUT_ENCRYPTION_KEYS))


@functools.lru_cache(maxsize=4)
def _multifernet(keys: tuple) -> MultiFernet:
    """Built once per key list (a changed setting, as in rotation, builds a new one)."""
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def seal(values: dict) -> str:
    return _keys().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def unseal(token: str) -> dict:
    return unsealer()(token)


def unsealer() -> Callable[[str], dict]:
    """`unseal` with the keys looked up once, for a file of thousands of payees."""
    keys = _keys()

    def open_one(token: str) -> dict:
        if not token:
            return {}
        try:
            return json.loads(keys.decrypt(token.encode()))
        except InvalidToken:
            raise SealBroken("These bank details cannot be read with the configured keys.") from None

    return open_one


def rotate_all(chunk: int = 500) -> int:
    """Re-encrypt every sealed row with the first key; returns how many rows were rewritten."""
    keys, done = _keys(), 0
    ids = list(PayoutDetails.objects.exclude(sealed="").order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            rows = list(PayoutDetails.objects.select_for_update().filter(pk__in=ids[start : start + chunk]))
            for row in rows:
                try:
                    row.sealed = keys.rotate(row.sealed.encode()).decode()
                except InvalidToken:
                    raise SealBroken(f"Payout details #{row.pk} cannot be read with the configured keys.") from None
            PayoutDetails.objects.bulk_update(rows, ["sealed"])
            done += len(rows)
    return done
