"""Who may open an application: one access helper every page of the app uses (404 for no such
application, 403 with a sentence when the person may not)."""

from __future__ import annotations

from django.http import HttpRequest

from applications.models import Application
from program.access import object_with_perm


def application_for_user(request: HttpRequest, pk: int, perm: str = "applications.view_application") -> Application:
    """The application `pk` when the signed-in person holds `perm` on it."""
    return object_with_perm(
        request,
        Application.objects.select_related("call__cohort", "applicant"),
        perm,
        "You may not see this application.",
        pk=pk,
    )
