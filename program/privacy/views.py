"""The person's own data download (`/profile/data/`) and an organizer's export for a request
(`/people/<id>/data/`); each export is recorded."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from program.access import object_with_perm
from program.models import DataExport, ErasureRecord, FileAccess, User

from .erasure import ErasureError, blockers, erase_person
from .export import NOT_PERSONAL, collect, export_zip
from .policy import POLICIES


def _download(person: User, by: User, reason: str = "") -> HttpResponse:
    content, manifest = export_zip(person)
    DataExport.objects.create(
        person=person, made_by=by, records=sum(manifest["records"].values()), files=len(manifest["files"]),
        reason=reason[:300],
    )  # fmt: skip
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="runway-data-{person.pk}.zip"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def my_data(request: HttpRequest) -> HttpResponse:
    """What Runway holds about me: a page that says what the ZIP holds, and the download (POST)."""
    if request.method == "POST":
        return _download(request.user, request.user)
    exports = DataExport.objects.filter(person=request.user).select_related("made_by")[:20]
    opened = FileAccess.objects.filter(person=request.user).select_related("by")[:50]
    return render(request, "program/my_data.html", {"exports": exports, "opened": opened, "not_exported": NOT_PERSONAL})


@require_POST
@login_required
def person_data(request: HttpRequest, pk: int) -> HttpResponse:
    """An organizer answers a person's request for their data (the reason is recorded)."""
    person = object_with_perm(
        request, User.objects.all(), "program.export_person_data", "Only organizers export a person's data.", pk=pk
    )
    return _download(person, request.user, request.POST.get("reason", ""))


@require_http_methods(["GET", "POST"])
@login_required
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """An organizer erases a person on request: the page lists what goes and what stays (with the legal
    reason), what blocks it, and asks for the person's address typed out as confirmation."""
    person = object_with_perm(
        request, User.objects.all(), "program.erase_person", "Only organizers erase a person.", pk=pk
    )
    error = ""
    if request.method == "POST" and not person.erased_at:
        if request.POST.get("confirm", "").strip().lower() != person.email.lower():
            error = "Type the person's address exactly to confirm."
        else:
            try:
                record = erase_person(person, by=request.user, why=ErasureRecord.Why.REQUEST,
                                      reason=request.POST.get("reason", ""))  # fmt: skip
            except ErasureError as refusal:
                error = str(refusal)
            else:
                messages.success(request, f"Erased: {person.pk} is now “{record.person.full_name}”.")
                return redirect("program:person-erase", pk=person.pk)
    rows, _ = collect(person) if not person.erased_at else ({}, {})
    plan = [(label, len(items), POLICIES.get(label)) for label, items in sorted(rows.items())]
    return render(request, "program/person_erase.html", {
        "person": person, "plan": plan, "blockers": blockers(person) if not person.erased_at else [], "error": error,
        "records": ErasureRecord.objects.filter(person=person).select_related("by"),
        "books_years": settings.ERASURE_BOOKS_YEARS,
    }, status=200)  # fmt: skip


@require_GET
def notice(request: HttpRequest) -> HttpResponse:
    """The privacy notice (public): what is kept, why, for how long, and how to get it or have it corrected."""
    return render(request, "privacy.html", {"version": settings.PRIVACY_NOTICE_VERSION})
