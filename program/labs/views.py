"""Curriculum progress pages: the cohort heatmap, a group's day, who needs help now, the machine
fleet, and a participant's own progress. Each refreshes itself with htmx polling and exports CSV."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from program.exports import csv_response
from program.labs import progress
from program.models import Cohort, Enrollment, LabMachine, LabReport, PairGroup, Role

POLL_SECONDS = 60


def _cohort(request: HttpRequest, slug: str) -> Cohort:
    cohort = get_object_or_404(Cohort, slug=slug)
    if not request.user.has_perm("program.view_progress", cohort):
        raise PermissionDenied("Progress of a cohort is for its TAs, coordinators and organizers.")
    return cohort


def _template(request: HttpRequest, name: str) -> str:
    """The whole page, or only its refreshing part for htmx polling."""
    return f"program/{name}.html#live" if request.htmx else f"program/{name}.html"


@require_GET
@login_required
def heatmap(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = _cohort(request, slug)
    if request.GET.get("format") == "csv":
        table = progress.frame(cohort).sort_values(["name", "day"])
        return csv_response(table.drop(columns=["user_id", "group_id"]), f"{cohort.slug}-progress.csv")
    rows, days = progress.heatmap(cohort)
    return render(
        request,
        _template(request, "progress_heatmap"),
        {"cohort": cohort, "rows": rows, "days": days, "poll": POLL_SECONDS},
    )


@require_GET
@login_required
def group_day(request: HttpRequest, slug: str, workspace: str) -> HttpResponse:
    group = get_object_or_404(
        PairGroup.objects.select_related("day__cohort", "day__curriculum_day", "machine"),
        workspace=workspace,
        day__cohort__slug=slug,
    )
    if not request.user.has_perm("program.view_group_progress", group):
        raise PermissionDenied("This group's progress is for its members, the cohort's TAs and staff.")
    rows = progress.exercise_rows(group)
    if request.GET.get("format") == "csv":
        table = pd.DataFrame(
            [{"exercise": r["exercise"].title, "state": r["state"], "first passed": r["first_passed_at"]} for r in rows]
        )
        return csv_response(table, f"{group.workspace}.csv")
    reports = list(
        LabReport.objects.filter(group=group).only("day_key", "valid", "invalid_reason", "received_at", "size")[:10]
    )
    return render(
        request,
        _template(request, "progress_group"),
        {
            "group": group,
            "rows": rows,
            "state": progress.group_day_state(group),
            "members": list(group.members.all()),
            "reports": reports,
            "poll": POLL_SECONDS,
        },
    )


@require_GET
@login_required
def help_list(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = _cohort(request, slug)
    found = progress.needs_help(cohort)
    if request.GET.get("format") == "csv":
        table = pd.DataFrame(
            [
                {
                    "workspace": f["group"].workspace,
                    "people": " + ".join(m.display_name for m in f["group"].members.all()),
                    "machine": f["group"].machine.name if f["group"].machine else "",
                    "share": f["share"],
                    "why": "; ".join(f["reasons"]),
                }
                for f in found
            ],
            columns=["workspace", "people", "machine", "share", "why"],
        )
        return csv_response(table, f"{cohort.slug}-needs-help.csv")
    return render(
        request,
        _template(request, "progress_help"),
        {
            "cohort": cohort,
            "found": found,
            "stall_minutes": settings.LAB_STALL_MINUTES,
            "margin": settings.LAB_PACE_MARGIN,
            "poll": 30,
        },
    )


def machine_status(machine: LabMachine, now) -> str:
    interval = timedelta(seconds=settings.CELERY_BEAT_SCHEDULE["pull-lab-progress"]["schedule"])
    if machine.last_success_at is None or machine.consecutive_failures >= 3:
        return "down"
    return "fresh" if now - machine.last_success_at <= 2 * interval + timedelta(seconds=30) else "stale"


@require_GET
@login_required
def fleet(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("program.view_fleet"):
        raise PermissionDenied("The machine fleet is for TAs, coordinators and organizers.")
    now = timezone.now()
    machines = list(LabMachine.objects.select_related("room").order_by("name"))
    for machine in machines:
        machine.status = machine_status(machine, now)
    if request.GET.get("format") == "csv":
        table = pd.DataFrame(
            [
                {
                    "machine": m.name,
                    "room": m.room.name if m.room else "",
                    "status": m.status,
                    "last success": m.last_success_at,
                    "latency ms": m.latency_ms,
                    "consecutive failures": m.consecutive_failures,
                    "last error": m.last_error,
                    "gpus": "; ".join(
                        f"{g.get('name')} {g.get('utilization_pct')}% {g.get('memory_used_mib')}/{g.get('memory_total_mib')} MiB"
                        for g in m.gpus
                    ),
                }
                for m in machines
            ]
        )
        return csv_response(table, "lab-machines.csv")
    invalid = list(
        LabReport.objects.filter(valid=False)
        .select_related("machine")
        .only("machine__name", "workspace", "day_key", "invalid_reason", "received_at")[:20]
    )
    counts = pd.Series([m.status for m in machines], dtype="object").value_counts().to_dict()
    return render(
        request,
        _template(request, "progress_fleet"),
        {"machines": machines, "invalid": invalid, "counts": counts, "poll": POLL_SECONDS},
    )


@require_GET
@login_required
def my_progress(request: HttpRequest) -> HttpResponse:
    """A participant's own progress across the days of each cohort they take part in."""
    enrollments = list(
        Enrollment.objects.filter(user=request.user, role=Role.PARTICIPANT, status=Enrollment.Status.ACTIVE)
        .select_related("cohort")
        .order_by("-cohort__starts_on")
    )
    sections = []
    for enrollment in enrollments:
        table = progress.frame(enrollment.cohort, user_id=request.user.pk).sort_values("day")
        sections.append({"cohort": enrollment.cohort, "days": table.to_dict("records")})
    if request.GET.get("format") == "csv":
        rows = [
            {
                "cohort": s["cohort"].name,
                **{k: d[k] for k in ("day", "date", "workspace", "passed", "expected", "state")},
            }
            for s in sections
            for d in s["days"]
        ]
        return csv_response(pd.DataFrame(rows), "my-progress.csv")
    return render(request, _template(request, "progress_mine"), {"sections": sections, "poll": POLL_SECONDS})
