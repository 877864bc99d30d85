from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from .models import Role

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
