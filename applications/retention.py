"""Retention: an unsuccessful application (rejected or withdrawn) is kept `call.retention_months`
(default 12) after the decision, then erased by the nightly job. The person is warned
`RETENTION_WARNING_DAYS` (30) before, once (the warning is claimed with a conditional UPDATE), and
nothing is erased until that warning is at least that old, so a job that did not run for a while
never erases without notice. An organizer's hold keeps a record (with the reason) until released.
When the erased application was the last thing Runway held about the person, the person is erased.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from applications.models import Application, ApplicationState, Call, RetentionHold
from applications.outbox import queue_email
from program.models import ErasureRecord, Role, User
from program.privacy.erasure import ErasureError, erase_person, erase_records

log = logging.getLogger(__name__)
UNSUCCESSFUL = ApplicationState.final_states


def erase_on(application: Application) -> datetime:
    return application.state_changed_at + relativedelta(months=application.call.retention_months)


def unsuccessful(*, due_by: datetime) -> QuerySet[Application]:
    """Unsuccessful applications, not erased, not held, whose erasure date is `due_by` or earlier."""
    held = RetentionHold.objects.filter(application=OuterRef("pk"), released_at__isnull=True)
    due = Q()
    for call_id, months in Call.objects.values_list("pk", "retention_months"):
        due |= Q(call_id=call_id, state_changed_at__lte=due_by - relativedelta(months=months))
    if not due:
        return Application.objects.none()
    return (
        Application.objects.filter(due, state__in=UNSUCCESSFUL, erased_at__isnull=True)
        .exclude(Exists(held))
        .select_related("call", "applicant")
        .order_by("state_changed_at", "pk")
    )


def sweep(now: datetime | None = None) -> dict:
    """The nightly job: warn who is due within the warning period, erase who was warned long enough ago."""
    now = now or timezone.now()
    notice = timedelta(days=settings.RETENTION_WARNING_DAYS)
    warned = erased = 0
    for application in unsuccessful(due_by=now + notice).filter(retention_warned_at__isnull=True):
        if Application.objects.filter(pk=application.pk, retention_warned_at__isnull=True).update(
            retention_warned_at=now
        ):
            queue_email(
                "retention-warning", to=application.applicant.email, application=application,
                context={"application": application, "name": application.applicant.display_name,
                         "erase_on": max(erase_on(application), now + notice)},
                idempotency_key=f"retention-warning:{application.pk}",
            )  # fmt: skip
            warned += 1
    for application in unsuccessful(due_by=now).filter(retention_warned_at__lte=now - notice):
        try:
            erased += erase_application(application, now=now)
        except Exception:  # one record that cannot be erased never stops the others; the next night retries
            log.exception("Retention: erasing application %s failed", application.pk)
    return {"warned": warned, "erased": erased}


def erase_application(application: Application, *, now: datetime) -> int:
    with transaction.atomic():
        if not Application.objects.filter(pk=application.pk, erased_at__isnull=True).update(erased_at=now):
            return 0  # another run erased it
        rule = f"{application.call.name}: unsuccessful applications are kept {application.call.retention_months} months"
        erase_records(application.applicant, application, by=None, why=ErasureRecord.Why.RETENTION, reason=rule)
    person = application.applicant
    if _nothing_else(person):
        try:
            erase_person(person, by=None, why=ErasureRecord.Why.RETENTION, reason="nothing else was held about them")
        except ErasureError as why:
            log.info("Retention: person %s kept: %s", person.pk, why)
    return 1


def _nothing_else(person: User) -> bool:
    """Only unsuccessful, erased applications left: no role but applicant, no cohort, no grant."""
    if person.erased_at or set(person.roles) - {Role.APPLICANT}:
        return False
    if person.applications.filter(erased_at__isnull=True).exists() or person.enrollments.exists():
        return False
    grants = getattr(person, "grants", None)  # the reverse relation, so this app imports nothing of grants
    return grants is None or not grants.exists()


def hold(application: Application, *, by: User, reason: str) -> RetentionHold:
    return RetentionHold.objects.get_or_create(
        application=application, released_at__isnull=True, defaults={"reason": reason[:300], "by": by}
    )[0]


def release(held: RetentionHold, *, by: User) -> None:
    RetentionHold.objects.filter(pk=held.pk, released_at__isnull=True).update(
        released_by=by, released_at=timezone.now()
    )
