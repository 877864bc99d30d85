"""Referees' pages: the referee's one-time letter page (public, behind the emailed link), the
applicant's naming, resending and replacing (their own application only), and the letter file for
reviewers and organizers (recorded as an access to the person's files)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications import referees
from applications.access import application_for_user
from applications.models import Application, Referee
from applications.views import attachment
from program.privacy.access_log import record_file_access

MAX_LETTER_BYTES = 10 * 1024 * 1024


@require_http_methods(["GET", "POST"])
@never_cache
def letter(request: HttpRequest, token: str) -> HttpResponse:
    """What the referee sees: the applicant's name and the program, nothing else; a letter ends the link."""
    referee, why = referees.by_token(token)
    if referee is None:
        response = render(request, "applications/referee_letter.html", {"closed": why}, status=410)
    else:
        error = ""
        if request.method == "POST":
            upload = request.FILES.get("letter")
            try:
                if upload is not None and upload.size > MAX_LETTER_BYTES:
                    raise referees.RefereeError("The file is larger than 10 MB.")
                referees.submit_letter(referee, filename=upload.name if upload else "",
                                       data=upload.read() if upload else b"", text=request.POST.get("text", ""))  # fmt: skip
            except referees.RefereeError as refusal:
                error = str(refusal)
            else:
                return render(
                    request, "applications/referee_letter.html", {"closed": "Thank you: your letter was received."}
                )
        response = render(request, "applications/referee_letter.html", {
            "applicant": referee.application.applicant.display_name, "program": referee.application.call.name,
            "referee": referee, "error": error,
        }, status=400 if error else 200)  # fmt: skip
    response["Referrer-Policy"] = "same-origin"  # the link is a secret: never sent on to another site
    return response


def _own(request: HttpRequest, pk: int) -> Application:
    application = application_for_user(request, pk)
    if application.applicant_id != request.user.pk:
        raise PermissionDenied("Only the applicant names their referees.")
    return application


@require_POST
@login_required
def add(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    try:
        referee = referees.name_referee(
            application, name=request.POST.get("name", ""), email=request.POST.get("email", "")
        )
    except referees.RefereeError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"We emailed {referee.name} a link to send their letter.")
    return redirect("applications:detail", pk=application.pk)


@require_POST
@login_required
def resend(request: HttpRequest, pk: int, referee_pk: int) -> HttpResponse:
    application = _own(request, pk)
    referee = get_object_or_404(Referee, pk=referee_pk, application=application)
    try:
        referees.resend(referee)
    except referees.RefereeError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"We emailed {referee.name} a new link; the earlier one no longer works.")
    return redirect("applications:detail", pk=application.pk)


@require_POST
@login_required
def replace(request: HttpRequest, pk: int, referee_pk: int) -> HttpResponse:
    application = _own(request, pk)
    referee = get_object_or_404(Referee, pk=referee_pk, application=application)
    try:
        new = referees.replace(referee, name=request.POST.get("name", ""), email=request.POST.get("email", ""))
    except referees.RefereeError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{referee.name} is replaced by {new.name}, who has been emailed.")
    return redirect("applications:detail", pk=application.pk)


@require_GET
@login_required
def letter_file(request: HttpRequest, pk: int, referee_pk: int) -> FileResponse:
    """The letter's file, for whoever may open the application except the applicant (it is confidential)."""
    application = application_for_user(request, pk)
    if application.applicant_id == request.user.pk:
        raise PermissionDenied("Letters from referees are confidential.")
    referee = get_object_or_404(Referee, pk=referee_pk, application=application)
    if not referee.letter:
        raise Http404("This referee wrote the letter in the form; it is on the application page.")
    record_file_access(application.applicant_id, request.user, f"letter from {referee.name} for application #{pk}")
    return attachment(referee.letter, referee.letter_filename or "letter", "application/octet-stream")
