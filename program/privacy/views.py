"""The person's own data download (`/profile/data/`) and an organizer's export for a request
(`/people/<id>/data/`); each export is recorded."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from program.access import object_with_perm
from program.models import DataExport, FileAccess, User

from .export import NOT_PERSONAL, export_zip


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


@require_GET
def notice(request: HttpRequest) -> HttpResponse:
    """The privacy notice (public): what is kept, why, for how long, and how to get it or have it corrected."""
    return render(request, "privacy.html", {"version": settings.PRIVACY_NOTICE_VERSION})
