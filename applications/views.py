from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from .forms import WithdrawForm
from .models import Application, ApplicationState
from .services import TransitionNotAllowed, withdraw_application


def _get_application_for_user(
    request: HttpRequest, pk: int, perm: str = "applications.view_application"
) -> Application:
    application = get_object_or_404(Application.objects.select_related("call", "applicant"), pk=pk)
    if not request.user.has_perm(perm, application):
        raise PermissionDenied("You may not see this application.")
    return application


@require_GET
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_application_for_user(request, pk)
    events = application.events.select_related("actor")
    return render(
        request,
        "applications/detail.html",
        {
            "application": application,
            "events": events,
            "can_withdraw": application.state in ApplicationState.open_states
            and request.user.has_perm("applications.withdraw_application", application),
            "withdraw_form": WithdrawForm(),
        },
    )


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_application_for_user(request, pk, "applications.withdraw_application")
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            withdraw_application(application, by=request.user, note=form.cleaned_data["reason"])
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Your application is withdrawn.")
    return redirect("applications:detail", pk=application.pk)
