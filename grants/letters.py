"""Grant letters: HTML rendered to PDF with WeasyPrint, stored with the template version and a
SHA-256, emailed through the outbox, accepted by the grantee with a click-through.

WeasyPrint fetches any URL it finds in the HTML (file://, http://), which would let a crafted field
embed a local file in the PDF. Every field is escaped by the template engine, and the fetcher below
allows only data: URLs and Runway's own static files.
"""

from __future__ import annotations

import hashlib
import mimetypes

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from applications import outbox
from program.models import User

from .models import Grant, GrantLetter, GrantState
from .services import transition_grant

LETTER_TEMPLATE = "grants/letter.html"
STATIC_SCHEME = "runway-static:"


class LetterError(Exception):
    pass


class SafeFetcher(URLFetcher):
    """Only data: URLs and `runway-static:<path>` (our own static files); everything else refused."""

    def __init__(self):
        super().__init__(allowed_protocols=["data"], allow_redirects=False, timeout=2)

    def fetch(self, url, headers=None):
        if url.startswith(STATIC_SCHEME):
            path = finders.find(url[len(STATIC_SCHEME) :].lstrip("/"))
            if not path:
                raise ValueError(f"no such static file: {url}")
            with open(path, "rb") as fh:
                body = fh.read()
            return URLFetcherResponse(
                url, body=body, headers={"Content-Type": mimetypes.guess_type(path)[0] or "application/octet-stream"}
            )
        return super().fetch(url, headers)


def template_version() -> str:
    """The letter template's name and the hash of its source: which wording a grantee accepted."""
    source = get_template(LETTER_TEMPLATE).template.source
    return f"{LETTER_TEMPLATE}@{hashlib.sha256(source.encode()).hexdigest()[:12]}"


def render_pdf(html: str) -> bytes:
    return HTML(string=html, url_fetcher=SafeFetcher()).write_pdf()


def letter_html(grant: Grant) -> str:
    return render_to_string(
        LETTER_TEMPLATE,
        {
            "grant": grant,
            "installments": list(grant.installments.order_by("number")),
            "today": timezone.localdate(),
            "program_name": "Runway retraining grants",
        },
    )


def send_letter(grant: Grant, *, by: User) -> GrantLetter:
    """Render, store and email the letter of an approved grant."""
    if grant.state != GrantState.APPROVED:
        raise LetterError("Only an approved grant gets a letter.")
    pdf = render_pdf(letter_html(grant))
    sha = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        letter = GrantLetter(grant=grant, template_version=template_version(), sha256=sha)
        letter.file.save(f"grant-{grant.pk}-{sha[:12]}.pdf", ContentFile(pdf), save=False)
        letter.save()
        outbox.queue_email(
            "grant-letter",
            to=grant.grantee.email,
            context={
                "grant": grant,
                "letter": letter,
                "name": grant.grantee.display_name,
                "accept_url": settings.SITE_URL.rstrip("/") + reverse("grants:accept", kwargs={"pk": letter.pk}),
            },
            idempotency_key=f"letter:{letter.pk}",
            attachment=(letter.file.name, f"grant-letter-{grant.pk}.pdf", "application/pdf"),
        )
    return letter


def accept_letter(letter: GrantLetter, *, name: str, ip: str | None, by: User) -> GrantLetter:
    """The grantee accepts by typing their name: name, time and IP are recorded; the grant becomes active."""
    if by.pk != letter.grant.grantee_id:
        raise LetterError("Only the grantee can accept this letter.")
    if not name.strip():
        raise LetterError("Type your full name to accept.")
    with transaction.atomic():
        locked = GrantLetter.objects.select_for_update().get(pk=letter.pk)
        if locked.accepted_at:
            return locked
        if locked.grant.letters.exclude(pk=locked.pk).filter(created_at__gt=locked.created_at).exists():
            raise LetterError("A newer letter replaced this one; please accept the latest.")
        locked.accepted_at, locked.accepted_name, locked.accepted_ip = timezone.now(), name.strip()[:200], ip
        locked.save(update_fields=["accepted_at", "accepted_name", "accepted_ip"])
        transition_grant(locked.grant, to=GrantState.ACTIVE, by=by, note=f"letter accepted by “{locked.accepted_name}”")
    return locked
