"""The TA's attendance screen (`/cohorts/<slug>/attendance/?date=`): the day's participants with the
suggested state, one button to confirm, exceptions changed per person."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from program.cohorts import attendance as sheet
from program.models import Attendance, Cohort, ProgramDay


@require_http_methods(["GET", "POST"])
@login_required
def attendance(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = get_object_or_404(Cohort, slug=slug)
    if not request.user.has_perm("program.take_attendance", cohort):
        raise PermissionDenied("Attendance is taken by the cohort's TAs, coordinators and organizers.")
    try:
        on = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        on = timezone.localdate()
    day = ProgramDay.objects.filter(cohort=cohort, date__lte=on).order_by("-date").first()
    if day is None:
        return render(request, "program/attendance.html", {"cohort": cohort, "day": None, "rows": []})
    if request.method == "POST":
        states = {}
        for key, value in request.POST.items():
            if key.startswith("state-") and key[6:].isdigit():
                states[int(key[6:])] = value
        counts = sheet.confirm(day, states, by=request.user)
        messages.success(request, f"Attendance for {day.date:%a %d %b} confirmed: {counts['present']} present, "
                                  f"{counts['excused']} excused, {counts['unexcused']} unexcused.")  # fmt: skip
        return redirect(f"{reverse('program:attendance', kwargs={'slug': cohort.slug})}?date={day.date.isoformat()}")
    rows = sheet.day_sheet(day)
    return render(request, "program/attendance.html", {
        "cohort": cohort, "day": day, "rows": rows, "states": Attendance.State.choices,
        "previous": ProgramDay.objects.filter(cohort=cohort, date__lt=day.date).order_by("-date").first(),
        "next": ProgramDay.objects.filter(cohort=cohort, date__gt=day.date, date__lte=timezone.localdate()).order_by("date").first(),
    })  # fmt: skip
