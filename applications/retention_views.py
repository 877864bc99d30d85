"""Organizers' retention page (`/applications/retention/`): what is due to be erased in the next 60 days,
who has been warned, and the holds (put with a reason, released with a name)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from applications import retention
from applications.access import application_for_user
from applications.models import RetentionHold
from applications.views import ORGANIZERS_ONLY
from program.access import require_perm
from program.params import object_or_404

LOOK_AHEAD = timedelta(days=60)


@require_GET
@login_required
def retention_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, "applications.manage_calls", ORGANIZERS_ONLY)
    now = timezone.now()
    due = list(retention.unsuccessful(due_by=now + LOOK_AHEAD)[:500])
    for application in due:
        application.erase_on = retention.erase_on(application)
    holds = RetentionHold.objects.filter(released_at__isnull=True).select_related(
        "application__call", "application__applicant", "by"
    )
    return render(request, "applications/retention.html", {"due": due, "holds": holds, "now": now})


@require_POST
@login_required
def hold(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "applications.manage_calls", ORGANIZERS_ONLY)
    application = application_for_user(request, pk)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, "A hold needs a reason (a complaint, a legal claim, the person's wish).")
    else:
        retention.hold(application, by=request.user, reason=reason)
        messages.success(request, f"Application #{application.pk} is held: it will not be erased until released.")
    return redirect("applications:retention")


@require_POST
@login_required
def release(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "applications.manage_calls", ORGANIZERS_ONLY)
    held = object_or_404(RetentionHold, pk)
    retention.release(held, by=request.user)
    messages.success(request, f"Hold on application #{held.application_id} released; retention resumes.")
    return redirect("applications:retention")
