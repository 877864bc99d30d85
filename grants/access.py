"""Who may open a grant: the access helper every grant page uses (404 / 403 with a sentence)."""

from __future__ import annotations

from django.http import HttpRequest

from grants.models import Grant
from program.access import object_with_perm


def grant_for_user(request: HttpRequest, pk: int) -> Grant:
    """The grant `pk` when the signed-in person may see it (its grantee, organizers, the payments role)."""
    return object_with_perm(
        request,
        Grant.objects.select_related("grantee", "application__call", "parent"),
        "grants.view_grant",
        "You may not see this grant.",
        pk=pk,
    )
