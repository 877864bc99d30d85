"""Grant letters: HTML rendered to PDF with WeasyPrint, stored with the template version and a
SHA-256, emailed through the outbox, accepted by the grantee with a click-through.

Rendering goes through program.pdf, whose fetcher refuses file:// and http:// (a crafted field must
not embed a local file in the PDF).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from applications import outbox
from applications.models import CallKind, Offer
from program.absolute import absolute_url
from program.models import User
from program.pdf import render_pdf

from .models import Grant, GrantLetter, GrantState, TAOfferLetter
from .services import transition_grant

LETTER_TEMPLATE = "grants/letter.html"
TA_LETTER_TEMPLATE = "grants/ta_offer_letter.html"


class LetterError(Exception):
    pass


def template_version(name: str = LETTER_TEMPLATE) -> str:
    """The letter template's name and the hash of its source: which wording a person accepted."""
    source = get_template(name).template.source
    return f"{name}@{hashlib.sha256(source.encode()).hexdigest()[:12]}"


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
                "accept_url": absolute_url("grants:accept", pk=letter.pk),
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


def send_ta_offer_letter(offer: Offer, *, daily_rate: Decimal, currency: str, by: User) -> TAOfferLetter:
    """A paid TA's offer letter: same rendering, storage and outbox as grant letters. The TA accepts
    by confirming their place on their application page (the offer's confirm button)."""
    application = offer.application
    currency, daily_rate = currency.strip().upper()[:3], Decimal(daily_rate).quantize(Decimal("0.01"))
    if application.call.kind != CallKind.TA or offer.response != Offer.Response.PENDING:
        raise LetterError("Only a pending offer to a TA gets a TA offer letter.")
    cohort = application.call.cohort
    days = list(cohort.days.filter(is_optional=False).order_by("date")) if cohort else []
    html = render_to_string(
        TA_LETTER_TEMPLATE,
        {
            "application": application,
            "offer": offer,
            "cohort": cohort,
            "days": days,
            "daily_rate": daily_rate,
            "currency": currency,
            "today": timezone.localdate(),
            "accept_url": absolute_url("applications:detail", pk=application.pk),
        },
    )
    pdf = render_pdf(html)
    sha = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        letter = TAOfferLetter(
            offer=offer,
            daily_rate=daily_rate,
            currency=currency.upper()[:3],
            template_version=template_version(TA_LETTER_TEMPLATE),
            sha256=sha,
            created_by=by,
        )
        letter.file.save(f"ta-offer-{offer.pk}-{sha[:12]}.pdf", ContentFile(pdf), save=False)
        letter.save()
        outbox.queue_email(
            "ta-offer-letter",
            to=application.applicant.email,
            context={
                "application": application,
                "offer": offer,
                "name": application.applicant.display_name,
                "url": absolute_url("applications:detail", pk=application.pk),
            },
            idempotency_key=f"ta-letter:{letter.pk}",
            application=application,
            attachment=(letter.file.name, f"ta-offer-{application.call.slug}.pdf", "application/pdf"),
        )
    return letter
