"""Decisions on applications, and the emails that tell applicants."""

from __future__ import annotations

from django.db import transaction

from program.models import User

from . import outbox
from .models import Application, Decision
from .services import transition_application


def decide_application(application: Application, *, decision: str, by: User, note: str = "") -> Decision:
    """Accept, waitlist or reject: the state change, a Decision row and a drafted email.

    The email is a draft in the outbox until an organizer reviews and releases it, so a batch of
    decisions can be read before anyone is told. Deciding twice the same way changes nothing."""
    outcome = Decision.Outcome(decision)
    with transaction.atomic():
        if application.state != outcome:
            transition_application(application, to=outcome, by=by, note=note)
        existing = Decision.objects.filter(application=application, outcome=outcome).first()
        if existing:
            return existing
        email = outbox.queue_email(
            f"decision-{outcome}",
            to=application.applicant.email,
            context={
                "application": application,
                "name": application.applicant.full_name or "there",
                "call": application.call,
                "cohort": application.call.cohort,
                "note": note,
            },
            idempotency_key=f"decision:{application.pk}:{outcome}",
            application=application,
            draft=True,
        )
        return Decision.objects.create(application=application, outcome=outcome, note=note, decided_by=by, email=email)
