from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse

from .models import Role
from .text import clean_text

# Pages an organizer without two-factor may still open: signing in and out, setting up TOTP.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz")


class RequireOrganizerTwoFactorMiddleware:
    """Organizers handle money and personal data: they must turn on TOTP before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and Role.ORGANIZER in user.roles
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(request, "Organizers must set up two-factor authentication before continuing.")
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)


def _cleaned(query: QueryDict) -> QueryDict | None:
    """A copy of the query with every key and value cleaned, or None when nothing needed cleaning."""
    if not any(clean_text(k) != k or any(clean_text(v) != v for v in vs) for k, vs in query.lists()):
        return None
    copy = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in query.lists():
        copy.setlist(clean_text(key), [clean_text(v) for v in values])
    copy._mutable = False
    return copy


class CleanInputMiddleware:
    """The web's way in: query strings and form fields lose NUL and the other C0 control characters
    (tab and newline stay; CR LF becomes LF) before any view, form or admin page sees them, so no text a
    person types can break a database write or hide from a reader. Uploaded files are not touched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cleaned = _cleaned(request.GET)
        if cleaned is not None:
            request.GET = cleaned
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            cleaned = _cleaned(request.POST)
            if cleaned is not None:
                request.POST = cleaned
        return self.get_response(request)
