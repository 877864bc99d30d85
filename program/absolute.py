"""Absolute links for emails, files and exports: SITE_URL plus a reversed path, in one place."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def site_url() -> str:
    """SITE_URL without a trailing slash."""
    return settings.SITE_URL.rstrip("/")


def absolute_url(viewname: str, **kwargs) -> str:
    """The full address of a named URL, e.g. absolute_url("grants:where", pk=3)."""
    return site_url() + reverse(viewname, kwargs=kwargs or None)
