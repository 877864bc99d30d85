"""Monthly check-ins: due at the end of each month of study, reminded 7 days before and 3 days after,
escalated to the organizers a week late. An overdue check-in holds the next installment."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from applications import outbox
from program.absolute import absolute_url
from program.models import Role, User

from .models import CheckIn, Grant
from .payments.installments import release_held


def checkin_dates(start: date, months: int) -> list[date]:
    """Check-in n is due the day before installment n + 1: the last day of month n of study."""
    return [start + relativedelta(months=n) - timedelta(days=1) for n in range(1, months + 1)]


def generate_checkins(grant: Grant) -> None:
    CheckIn.objects.bulk_create(
        [
            CheckIn(grant=grant, number=n, due_on=d)
            for n, d in enumerate(checkin_dates(grant.start_date, grant.months), start=1)
        ],
        ignore_conflicts=True,
    )


def overdue(today: date):
    return CheckIn.objects.filter(submitted_at__isnull=True, due_on__lt=today)


def submit_checkin(checkin: CheckIn, *, by: User, studied: str, papers: str, plans: str) -> CheckIn:
    """Record the report; installments held for it (and no other overdue check-in) become due."""
    with transaction.atomic():
        checkin.studied, checkin.papers, checkin.plans = studied, papers, plans
        checkin.submitted_at = checkin.submitted_at or timezone.now()
        checkin.save(update_fields=["studied", "papers", "plans", "submitted_at"])
        release_held(checkin.grant, by=by)
    return checkin


def send_reminders(today: date | None = None) -> dict[str, int]:
    """Daily: reminders 7 days before and 3 days after the due date, escalation 7 days after; each
    claimed by its timestamp column, so it goes out once."""
    today = today or timezone.localdate()
    now = timezone.now()
    counts = {"before": 0, "after": 0, "escalated": 0}
    live = CheckIn.objects.filter(submitted_at__isnull=True, grant__state="active").select_related("grant__grantee")
    for checkin in live.filter(
        due_on__lte=today + timedelta(days=7), due_on__gte=today, reminded_before_at__isnull=True
    ):
        if CheckIn.objects.filter(pk=checkin.pk, reminded_before_at__isnull=True).update(reminded_before_at=now):
            _remind(checkin, "checkin-reminder", late=False)
            counts["before"] += 1
    for checkin in live.filter(due_on__lte=today - timedelta(days=3), reminded_after_at__isnull=True):
        if CheckIn.objects.filter(pk=checkin.pk, reminded_after_at__isnull=True).update(reminded_after_at=now):
            _remind(checkin, "checkin-reminder", late=True)
            counts["after"] += 1
    for checkin in live.filter(due_on__lte=today - timedelta(days=7), escalated_at__isnull=True):
        if CheckIn.objects.filter(pk=checkin.pk, escalated_at__isnull=True).update(escalated_at=now):
            for organizer in User.objects.filter(role_assignments__role=Role.ORGANIZER, is_active=True):
                outbox.queue_email(
                    "checkin-escalation",
                    to=organizer.email,
                    context={"checkin": checkin, "organizer": organizer},
                    idempotency_key=f"checkin-escalate:{checkin.pk}:{organizer.pk}",
                )
            counts["escalated"] += 1
    return counts


def _remind(checkin: CheckIn, name: str, *, late: bool) -> None:
    outbox.queue_email(
        name,
        to=checkin.grant.grantee.email,
        context={
            "checkin": checkin,
            "late": late,
            "name": checkin.grant.grantee.display_name,
            "url": absolute_url("grants:checkin", pk=checkin.pk),
        },
        idempotency_key=f"{name}:{checkin.pk}:{'after' if late else 'before'}",
    )
