"""Personal links and reply addresses for applicants.

A link is a random token sent by email; only its SHA-256 is stored. Opening it shows a button
(a POST, so a mail scanner that fetches links does not use it up); pressing it signs the applicant
in once, marks their email verified (they proved they read it) and opens the questionnaire.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from program.absolute import absolute_url

from .models import ApplicantLink, Application


def create_link(application: Application) -> str:
    token = secrets.token_urlsafe(32)
    ApplicantLink.objects.create(
        application=application,
        token_hash=ApplicantLink.hash(token),
        expires_at=timezone.now() + timedelta(days=settings.APPLICANT_LINK_MAX_AGE_DAYS),
    )
    return token


def link_url(token: str) -> str:
    return absolute_url("applications:link", token=token)


def find_link(token: str) -> ApplicantLink | None:
    return (
        ApplicantLink.objects.filter(token_hash=ApplicantLink.hash(token))
        .select_related("application__applicant", "application__call")
        .first()
    )


def use_link(token: str) -> Application | None:
    """Consume a link once; None when it is unknown, used or expired."""
    with transaction.atomic():
        used = ApplicantLink.objects.filter(
            token_hash=ApplicantLink.hash(token), used_at__isnull=True, expires_at__gt=timezone.now()
        ).update(used_at=timezone.now())
        if not used:
            return None
        return find_link(token).application


def reply_address(application: Application) -> str:
    local, _, domain = settings.INBOUND_ADDRESS.partition("@")
    return f"{local}+r-{application.reply_token}@{domain}"


def call_address(call) -> str:
    local, _, domain = settings.INBOUND_ADDRESS.partition("@")
    return f"{local}@{domain}" if call.is_default else f"{local}+{call.slug}@{domain}"
