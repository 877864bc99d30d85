"""grants picks up accepted retraining-grant applications (applications never imports grants)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.dispatch import receiver
from django.utils import timezone

from applications.models import Answer, Application, CallKind
from applications.signals import application_accepted
from grants.payments.currencies import normalise_currency

from .models import Grant
from .services import propose_grant


@receiver(application_accepted, dispatch_uid="grants.propose_from_application")
def propose_from_application(sender, application: Application, by=None, **kwargs) -> Grant | None:
    """An accepted grant application becomes a grant proposal, prefilled from the questionnaire."""
    if application.call.kind != CallKind.GRANT or Grant.objects.filter(application=application).exists():
        return None
    answers = dict(Answer.objects.filter(application=application).values_list("question__key", "value"))
    try:
        stipend = Decimal(str(answers.get("stipend_needed") or "0"))
    except InvalidOperation:
        stipend = Decimal("0")
    try:
        start = datetime.date.fromisoformat(str(answers.get("start_date")))
    except ValueError:
        start = timezone.localdate() + datetime.timedelta(days=14)
    currency = normalise_currency(str(answers.get("currency") or "")) or "USD"
    return propose_grant(
        application.applicant,
        monthly_stipend=stipend,
        start_date=start,
        currency=currency,
        study_plan=str(answers.get("study_plan") or ""),
        application=application,
        by=by,
    )
