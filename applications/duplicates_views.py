"""Organizers' list of accounts that may be one person (`/applications/duplicates/`): the evidence,
each account's applications, and "not the same person" with a note."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from applications import duplicates
from applications.models import Application, PossibleDuplicate
from applications.views import ORGANIZERS_ONLY
from program.access import require_perm
from program.models import User
from program.params import object_or_404
from program.privacy.merge import MergeError


@require_GET
@login_required
def duplicate_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, "applications.manage_calls", ORGANIZERS_ONLY)
    status = request.GET.get("status") if request.GET.get("status") in PossibleDuplicate.Status.values else "open"
    rows = PossibleDuplicate.objects.filter(status=status).select_related("decided_by", "merge__kept", "merge__closed")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    people = User.objects.filter(pk__in={p for row in page for p in (row.first_id, row.second_id)}).prefetch_related(
        Prefetch("applications", queryset=Application.objects.select_related("call").order_by("created_at"))
    )
    by_id = {p.pk: p for p in people}
    for row in page:
        row.people = [by_id[row.first_id], by_id[row.second_id]]
    return render(
        request,
        "applications/duplicates.html",
        {"page": page, "status": status, "statuses": PossibleDuplicate.Status.choices},
    )


@require_POST
@login_required
def duplicate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "applications.manage_calls", ORGANIZERS_ONLY)
    row = object_or_404(PossibleDuplicate, pk)
    duplicates.dismiss(row, by=request.user, note=request.POST.get("note", ""))
    messages.success(request, "Marked as two different people.")
    return redirect("applications:duplicates")


@require_POST
@login_required
def duplicate_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """One person: the account not chosen is merged into the chosen one (organizers; recorded)."""
    require_perm(request, "program.merge_people", ORGANIZERS_ONLY)
    row = object_or_404(PossibleDuplicate, pk)
    try:
        keep = int(request.POST.get("keep", ""))
        record = duplicates.merge(row, keep=keep, by=request.user, note=request.POST.get("note", ""))
    except (ValueError, MergeError) as error:
        messages.error(request, str(error) if isinstance(error, MergeError) else "Choose the account to keep.")
        return redirect("applications:duplicates")
    messages.success(
        request,
        f"Merged: {record.rows_moved} records moved to {record.kept.email}; {record.closed.email} is closed and "
        f"its mail now reaches the kept account."
        + (f" {len(record.left)} rows stayed (listed)." if record.left else ""),
    )
    return redirect(f"{reverse('applications:duplicates')}?status=merged")
