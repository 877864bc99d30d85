from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from program.cohorts import calendars

from .dashboard import panel_for, panels_for
from .forms import ProfileForm
from .health import check_broker, check_database, worker_state
from .models import CalendarFeed, Cohort, Enrollment, ProgramDay, Role, WorkerHeartbeat

log = logging.getLogger(__name__)


def _get_cohort_for_user(request: HttpRequest, slug: str) -> Cohort:
    cohort = get_object_or_404(Cohort, slug=slug)
    if not request.user.has_perm("program.view_cohort", cohort):
        raise PermissionDenied("You are not part of this cohort.")
    return cohort


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    role = request.user.primary_role
    if role is None:
        return render(request, "program/no_role.html")
    return redirect("program:dashboard", role=role)


def _role_for_dashboard(request: HttpRequest, value: str) -> Role:
    try:
        role = Role(value)
    except ValueError:
        raise Http404(f"There is no {value!r} role. Roles are: {', '.join(r.value for r in Role)}.") from None
    if not request.user.has_perm(f"program.use_{role}_dashboard"):
        raise PermissionDenied(f"This dashboard is for {role.label.lower()}s.")
    return role


@require_GET
@login_required
def dashboard(request: HttpRequest, role: str) -> HttpResponse:
    role = _role_for_dashboard(request, role)
    panels = [(panel, panel.context(request)) for panel in panels_for(role)]
    return render(request, "program/dashboard.html", {"role": role, "panels": panels})


@require_GET
@login_required
def dashboard_panel(request: HttpRequest, role: str, key: str) -> HttpResponse:
    """One panel of a dashboard, for htmx to refresh it in place."""
    role = _role_for_dashboard(request, role)
    panel = panel_for(role, key)
    if panel is None:
        raise Http404(f"The {role.label.lower()} dashboard has no panel {key!r}.")
    return render(
        request, "program/dashboard.html#panel", {"role": role, "panel": panel, "ctx": panel.context(request)}
    )


@require_GET
@login_required
def cohort_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = _get_cohort_for_user(request, slug)
    days = list(ProgramDay.objects.filter(cohort=cohort).order_by("date"))
    enrollments = list(
        Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.ACTIVE)
        .select_related("user")
        .order_by("role", "user__full_name")
    )
    return render(
        request,
        "program/cohort_detail.html",
        {
            "cohort": cohort,
            "days": days,
            "tas": [e for e in enrollments if e.role == Role.TA],
            "participants": [e for e in enrollments if e.role == Role.PARTICIPANT],
            "today": timezone.localdate(),
            "can_edit": request.user.has_perm("program.change_cohort", cohort),
            "can_see_progress": request.user.has_perm("program.view_progress", cohort),
            "feed": CalendarFeed.objects.filter(cohort=cohort).first(),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """A person's own name and time zone."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Saved.")
        return redirect("program:profile")
    return render(request, "program/profile.html", {"form": form})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """One word per part, for load balancers and monitors: database and broker "ok" or "down" (503 when
    either is down), the worker "ok", "stale" (no heartbeat for WORKER_STALE_SECONDS; the web still
    answers 200, with status "degraded") or "never". Hosts, ports and errors go to the log only."""
    database = check_database(connection)
    broker = check_broker(settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    worker = "unknown"
    if database["ok"]:
        beat = WorkerHeartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first()
        worker = worker_state(beat, timezone.now(), settings.WORKER_STALE_SECONDS)
    status = "ok" if worker == "ok" else "degraded"
    if not (database["ok"] and broker["ok"]):
        status = "unavailable"
    body = {
        "status": status,
        "database": "ok" if database["ok"] else "down",
        "broker": "ok" if broker["ok"] else "down",
        "worker": worker,
    }
    return JsonResponse(body, status=503 if status == "unavailable" else 200)


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The secret feed URL: no sign-in (calendar apps cannot), the unguessable token is the key."""
    feed = CalendarFeed.objects.filter(token=token).select_related("user", "cohort").first()
    if feed is None:
        raise Http404("No calendar at this address (it may have been rotated).")
    body = calendars.person_feed(feed.user) if feed.user_id else calendars.cohort_feed(feed.cohort)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="runway.ics"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def my_calendar(request: HttpRequest) -> HttpResponse:
    feed, _ = CalendarFeed.objects.get_or_create(user=request.user)
    if request.method == "POST":
        feed.rotate()
        messages.success(request, "New calendar address made; the old one no longer works.")
        return redirect("program:calendar")
    url = request.build_absolute_uri(reverse("program:feed", kwargs={"token": feed.token}))
    return render(request, "program/calendar.html", {"feed": feed, "url": url})


@require_POST
@login_required
def rotate_cohort_feed(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = _get_cohort_for_user(request, slug)
    if not request.user.has_perm("program.change_cohort", cohort):
        raise PermissionDenied("Only coordinators and organizers manage the cohort's calendar.")
    feed, created = CalendarFeed.objects.get_or_create(cohort=cohort)
    if not created:
        feed.rotate()
    messages.success(request, "New calendar address for the cohort; the old one no longer works.")
    return redirect("program:cohort", slug=cohort.slug)
