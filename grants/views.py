from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .models import Grant


def _get_grant_for_user(request: HttpRequest, pk: int) -> Grant:
    grant = get_object_or_404(Grant.objects.select_related("grantee", "application__call", "parent"), pk=pk)
    if not request.user.has_perm("grants.view_grant", grant):
        raise PermissionDenied("You may not see this grant.")
    return grant


@require_GET
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _get_grant_for_user(request, pk)
    return render(request, "grants/detail.html", {"grant": grant, "events": grant.events.select_related("actor")})
