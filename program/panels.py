"""Dashboard panels of the program app: cohorts for coordinators, "today" for TAs and participants."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from .dashboard import NavLink, Panel, register_link, register_panel
from .models import Cohort, Enrollment, PairGroup, ProgramDay, Role


def _count(model, **filters):
    return Coalesce(
        Subquery(
            model.objects.filter(cohort=OuterRef("pk"), **filters)
            .order_by()
            .values("cohort")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )


def cohorts_context(request: HttpRequest) -> dict:
    today = timezone.localdate()
    cohorts = list(
        Cohort.objects.annotate(
            participant_count=_count(Enrollment, role=Role.PARTICIPANT, status=Enrollment.Status.ACTIVE),
            ta_count=_count(Enrollment, role=Role.TA, status=Enrollment.Status.ACTIVE),
            day_count=_count(ProgramDay),
        ).order_by("-starts_on")[:20]
    )
    todays = {d.cohort_id: d for d in ProgramDay.objects.filter(cohort__in=cohorts, date=today)}
    for cohort in cohorts:
        cohort.today = todays.get(cohort.pk)
    return {"cohorts": cohorts, "today": today}


def my_cohort_context(request: HttpRequest, role: str) -> dict:
    today = timezone.localdate()
    enrollments = list(
        Enrollment.objects.filter(user=request.user, role=role, status=Enrollment.Status.ACTIVE)
        .select_related("cohort")
        .order_by("-cohort__starts_on")
    )
    cohort_ids = [e.cohort_id for e in enrollments]
    # A week ahead always holds the next three program days (at most two weekend days between).
    days = ProgramDay.objects.filter(cohort_id__in=cohort_ids, date__range=(today, today + timedelta(days=7))).order_by(
        "date"
    )
    upcoming: dict[int, list[ProgramDay]] = {}
    for day in days:
        upcoming.setdefault(day.cohort_id, []).append(day)
    groups = {
        g.day_id: [m for m in g.members.all() if m.pk != request.user.pk]
        for g in PairGroup.objects.filter(
            day__in=[d for ds in upcoming.values() for d in ds], members=request.user
        ).prefetch_related("members")
    }
    for enrollment in enrollments:
        enrollment.upcoming = upcoming.get(enrollment.cohort_id, [])[:3]
        for day in enrollment.upcoming:
            day.partners = groups.get(day.pk)
        enrollment.today = next((d for d in enrollment.upcoming if d.date == today), None)
    return {"enrollments": enrollments, "today": today}


register_panel(Role.COORDINATOR, Panel("cohorts", "Cohorts", "program/panels/cohorts.html", cohorts_context, 10))
register_panel(
    Role.ORGANIZER, Panel("cohorts", "Cohorts", "program/panels/cohorts.html", cohorts_context, 90, wide=True)
)
register_panel(
    Role.TA,
    Panel("my-cohort", "My cohort", "program/panels/my_cohort.html", lambda r: my_cohort_context(r, Role.TA), 10),
)
register_panel(
    Role.PARTICIPANT,
    Panel(
        "my-cohort",
        "My cohort",
        "program/panels/my_cohort.html",
        lambda r: my_cohort_context(r, Role.PARTICIPANT),
        10,
    ),
)
register_link(Role.PARTICIPANT, NavLink("Today", "program:today", 5))
register_link(Role.TA, NavLink("Today", "program:today", 5))
register_link(Role.PARTICIPANT, NavLink("My progress", "program:my-progress", 6))
register_link(Role.TA, NavLink("Machines", "program:fleet", 7))
register_link(Role.COORDINATOR, NavLink("Week board", "program:board", 10, per_cohort=True))
register_link(Role.COORDINATOR, NavLink("Lectures", "program:lecture-plan", 12, per_cohort=True))
register_link(Role.COORDINATOR, NavLink("Progress", "program:progress", 14, per_cohort=True))
register_link(Role.COORDINATOR, NavLink("Who needs help", "program:needs-help", 16, per_cohort=True))
register_link(Role.COORDINATOR, NavLink("Help queue", "program:help-queue", 17, per_cohort=True))
register_link(Role.COORDINATOR, NavLink("Feedback", "program:feedback-summary", 18, per_cohort=True))
register_link(Role.COORDINATOR, NavLink("Machines", "program:fleet", 20))
register_link(Role.TA, NavLink("Help queue", "program:help-queue", 6, per_cohort=True))
register_link(Role.TA, NavLink("Attendance", "program:attendance", 6, per_cohort=True))
register_link(Role.TA, NavLink("Progress", "program:progress", 7, per_cohort=True))
register_link(Role.PARTICIPANT, NavLink("Feedback", "program:feedback", 8))
register_link(Role.TA, NavLink("Feedback", "program:feedback", 8))
