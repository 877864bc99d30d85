"""Dashboard panels of the applications app."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone

from program.dashboard import NavLink, Panel, register_link, register_panel
from program.models import Role

from .models import Application, ApplicationEvent, ApplicationState, Call, Interview, Review, ReviewAssignment

LIST_LIMIT = 25


def calls_overview_context(request: HttpRequest) -> dict:
    """Applications per call and state as a table: two queries whatever the number of applications."""
    calls = list(Call.objects.select_related("cohort").order_by("-opens_at"))
    counts = Application.objects.order_by().values("call_id", "state").annotate(n=Count("pk"))
    by_call: dict[int, dict[str, int]] = {}
    for row in counts:
        by_call.setdefault(row["call_id"], {})[row["state"]] = row["n"]
    states = list(ApplicationState)
    for call in calls:
        per_state = by_call.get(call.pk, {})
        call.state_counts = [per_state.get(s, 0) for s in states]
        call.total = sum(call.state_counts)
    return {"calls": calls, "states": states}


def recent_activity_context(request: HttpRequest) -> dict:
    events = ApplicationEvent.objects.select_related("application__applicant", "application__call", "actor").order_by(
        "-at", "-pk"
    )[:10]
    return {"events": events}


def my_applications_context(request: HttpRequest) -> dict:
    applications = list(
        Application.objects.filter(applicant=request.user).select_related("call").order_by("-created_at")
    )
    return {"applications": applications}


register_panel(
    Role.ORGANIZER,
    Panel(
        "calls",
        "Applications by call",
        "applications/panels/calls_overview.html",
        calls_overview_context,
        10,
        wide=True,
    ),
)
register_panel(
    Role.ORGANIZER,
    Panel(
        "activity",
        "Recent activity",
        "applications/panels/recent_activity.html",
        recent_activity_context,
        30,
        refresh_seconds=30,
    ),
)


def my_reviews_context(request: HttpRequest) -> dict:
    """A reviewer sees only what is assigned to them: counts and the next ones due."""
    assigned = ReviewAssignment.objects.filter(reviewer=request.user)
    submitted = Review.objects.filter(reviewer=request.user, submitted_at__isnull=False).values("application_id")
    todo = assigned.exclude(application_id__in=submitted)
    return {
        "todo": todo.select_related("application__applicant", "application__call").order_by("due_at", "pk")[
            :LIST_LIMIT
        ],
        "todo_count": todo.count(),
        "done_count": assigned.filter(application_id__in=submitted).count(),
    }


register_panel(
    Role.REVIEWER, Panel("my-reviews", "My reviews", "applications/panels/my_reviews.html", my_reviews_context, 10)
)


def my_interviews_context(request: HttpRequest) -> dict:
    """An interviewer sees only their own interviews."""
    mine = Interview.objects.filter(interviewer=request.user, state=Interview.State.SCHEDULED)
    return {
        "interviews": mine.select_related("slot", "application__applicant", "application__call").order_by(
            "slot__starts_at"
        )[:LIST_LIMIT],
        "to_score": mine.filter(slot__starts_at__lt=timezone.now()).count(),
    }


register_panel(
    Role.INTERVIEWER,
    Panel("my-interviews", "My interviews", "applications/panels/my_interviews.html", my_interviews_context, 10),
)
register_panel(
    Role.APPLICANT,
    Panel(
        "mine", "My applications", "applications/panels/my_applications.html", my_applications_context, 10, wide=True
    ),
)

register_link(Role.ORGANIZER, NavLink("Calls", "applications:calls", 10))
register_link(Role.ORGANIZER, NavLink("Find", "applications:search", 12))
register_link(Role.ORGANIZER, NavLink("Inbound mail", "applications:inbox", 20))
register_link(Role.ORGANIZER, NavLink("Outbox", "applications:outbox", 30))
register_link(Role.ORGANIZER, NavLink("Announcements", "updates:announcements", 35))
register_link(Role.ORGANIZER, NavLink("Access requests", "updates:access-requests", 36))
register_link(Role.REVIEWER, NavLink("My reviews", "applications:my-reviews", 10))
register_link(Role.INTERVIEWER, NavLink("My interviews", "applications:my-interviews", 10))
