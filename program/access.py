"""Access checks every page uses: a permission (django-rules) or a 403 with a sentence, and an object
loaded by an id from the URL or a 404. Object-level access helpers per object type live with their
app (`applications.access`, `grants.access`) and are built on these."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404


def require_perm(request: HttpRequest, perm: str, message: str = "You do not have permission for this page.") -> None:
    """Go on only if the signed-in person holds `perm` (a global permission); else 403 with `message`."""
    if not request.user.has_perm(perm):
        raise PermissionDenied(message)


def object_with_perm(request: HttpRequest, queryset, perm: str, message: str, **lookup):
    """The object matching `lookup` (404 if none) when the person holds `perm` on it (403 otherwise)."""
    obj = get_object_or_404(queryset, **lookup)
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied(message)
    return obj
