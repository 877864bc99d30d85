from __future__ import annotations

from email import policy
from email.parser import BytesParser

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications import decisions, duplicates, intake, links
from applications.access import application_for_user
from applications.questionnaires import answers as questionnaires
from applications.questionnaires.templates import apply_template
from applications.review.reviews import apply_rubric
from program.access import require_perm
from program.params import search_text
from program.privacy.access_log import record_file_access
from program.text import clean_filename

from .forms import CallForm, WebApplicationForm, WithdrawForm
from .models import (
    Answer,
    Application,
    ApplicationState,
    Call,
    Document,
    InboundMessage,
    InboundOutcome,
    Offer,
    Question,
)
from .services import TransitionNotAllowed, withdraw_application

PAGE_SIZE = 50
ORGANIZERS_ONLY = "This page is for organizers."


def attachment(fieldfile, filename: str, content_type: str) -> FileResponse:
    """Uploaded files are always downloads, never rendered by the browser."""
    response = FileResponse(
        fieldfile.open("rb"),
        as_attachment=True,
        filename=clean_filename(filename),
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- the applicant's pages -------------------------------------------------------------------------


@require_GET
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The application page: status and timeline for the applicant, and the full file for staff."""
    application = application_for_user(request, pk)
    events = list(application.events.select_related("actor"))
    documents = list(application.documents.all())
    inbound = list(
        application.inbound_messages.only("pk", "received_at", "subject", "from_address", "outcome", "body_text")
    )
    outbound = list(application.outbound_messages.only("pk", "created_at", "subject", "to_email", "state", "kind"))
    thread = sorted(
        [("in", m.received_at, m) for m in inbound] + [("out", m.created_at, m) for m in outbound],
        key=lambda item: item[1],
    )
    questions = []
    if hasattr(application.call, "questionnaire"):
        answers = {a.question_id: a for a in application.answers.all()}
        questions = [(q, answers.get(q.pk)) for q in application.call.questionnaire.questions.all()]
    is_staff_view = request.user.has_perm("applications.view_inbound")
    referees = list(application.referees.all())
    sees_history = is_staff_view or (
        application.call.reviewers_see_history and request.user.pk != application.applicant_id
    )
    return render(
        request,
        "applications/detail.html",
        {
            "application": application,
            "events": events,
            "documents": documents,
            "thread": thread,
            "questions": questions,
            "is_staff_view": is_staff_view,
            "can_edit_answers": questionnaires.can_edit(application) and request.user.pk == application.applicant_id,
            "can_withdraw": application.state in ApplicationState.open_states
            and request.user.has_perm("applications.withdraw_application", application),
            "withdraw_form": WithdrawForm(),
            "offer": Offer.objects.filter(application=application).first(),
            "interviews": list(application.interviews.select_related("slot", "interviewer")) if is_staff_view else [],
            "decision_actions": decisions.offered_actions(application, request.user),
            "history": duplicates.history(application) if sees_history else None,
            "referees": referees,
            "referees_missing": max(
                application.call.referees_required - sum(r.state != "replaced" for r in referees), 0
            ),
            "sees_letters": request.user.pk != application.applicant_id,
        },
    )


@require_GET
@login_required
def document(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    application = application_for_user(request, pk)
    doc = get_object_or_404(Document, pk=document_pk, application=application)
    if not doc.file:
        raise Http404("This document is a link, not a file.")
    record_file_access(
        application.applicant_id,
        request.user,
        f"document {doc.original_filename or doc.pk} of application #{application.pk}",
    )
    return attachment(doc.file, doc.original_filename or f"document-{doc.pk}", doc.content_type)


@require_GET
@login_required
def answer_file(request: HttpRequest, pk: int, answer_pk: int) -> FileResponse:
    application = application_for_user(request, pk)
    answer = get_object_or_404(Answer, pk=answer_pk, application=application)
    if not answer.file:
        raise Http404("No file was uploaded for this answer.")
    record_file_access(
        application.applicant_id,
        request.user,
        f"uploaded answer {answer.original_filename or answer.pk} of application #{application.pk}",
    )
    return attachment(answer.file, answer.original_filename or f"answer-{answer.pk}", "application/octet-stream")


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """The personal link from the acknowledgement. GET only shows a button: mail scanners fetch links."""
    found = links.find_link(token)
    valid = found is not None and found.used_at is None and found.expires_at > timezone.now()
    if request.method == "GET" or not valid:
        return render(request, "applications/link.html", {"valid": valid, "link": found}, status=200 if valid else 410)
    application = links.use_link(token)
    if application is None:
        return render(request, "applications/link.html", {"valid": False, "link": found}, status=410)
    user = application.applicant
    # Opening the emailed link proves the address, which is what verification asks.
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "You are signed in.")
    if hasattr(application.call, "questionnaire") and questionnaires.can_edit(application):
        return redirect("applications:questionnaire", pk=application.pk)
    return redirect("applications:detail", pk=application.pk)


def _questionnaire_parts(application: Application):
    if not hasattr(application.call, "questionnaire"):
        raise Http404("This call has no questionnaire.")
    questionnaire = application.call.questionnaire
    questions = list(questionnaire.questions.all())
    answers = {a.question_id: a for a in application.answers.all()}
    return questionnaire, questions, answers


def _resume_on_file(application: Application) -> str:
    """The name of the resume the applicant already sent (by email or earlier upload), or ""."""
    resume = (
        application.documents.filter(kind__in=[Document.Kind.RESUME, Document.Kind.LINK]).order_by("-version").first()
    )
    return (resume.original_filename or "your resume link") if resume else ""


@require_http_methods(["GET", "POST"])
@login_required
def questionnaire(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request, pk, "applications.answer_questionnaire")
    questionnaire_obj, questions, answers = _questionnaire_parts(application)
    editable = questionnaires.can_edit(application)
    if request.method == "POST":
        if not editable:
            messages.error(request, "This questionnaire can no longer be changed.")
            return redirect("applications:detail", pk=application.pk)
        submit = "submit" in request.POST
        form = questionnaires.QuestionnaireForm(
            request.POST,
            request.FILES,
            questions=questions,
            answers=answers,
            draft=not submit,
            resume_on_file=_resume_on_file(application),
        )
        if form.is_valid():
            questionnaires.save_answers(application, form, by=request.user, submit=submit)
            if submit:
                messages.success(
                    request, "Thank you: your answers are submitted. You can still edit them until the deadline."
                )
                return redirect("applications:detail", pk=application.pk)
            messages.success(request, "Draft saved.")
            return redirect("applications:questionnaire", pk=application.pk)
    else:
        form = questionnaires.QuestionnaireForm(
            questions=questions, answers=answers, draft=True, resume_on_file=_resume_on_file(application)
        )
    return render(
        request,
        "applications/questionnaire.html",
        {
            "application": application,
            "questionnaire": questionnaire_obj,
            "form": form,
            "answers": answers,
            "editable": editable,
        },
    )


@require_POST
@login_required
def autosave(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: save the draft as the applicant types; answers the little status line."""
    application = application_for_user(request, pk, "applications.answer_questionnaire")
    _questionnaire_obj, questions, answers = _questionnaire_parts(application)
    if not questionnaires.can_edit(application):
        return render(
            request,
            "applications/questionnaire.html#autosave-status",
            {"error": "This questionnaire can no longer be changed."},
        )
    form = questionnaires.QuestionnaireForm(request.POST, questions=questions, answers=answers, draft=True)
    if not form.is_valid():
        return render(
            request,
            "applications/questionnaire.html#autosave-status",
            {"error": "Not saved: please check the highlighted answers."},
        )
    questionnaires.save_answers(application, form, by=request.user, submit=False)
    application.refresh_from_db(fields=["answers_saved_at"])
    return render(request, "applications/questionnaire.html#autosave-status", {"application": application})


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request, pk, "applications.withdraw_application")
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            withdraw_application(application, by=request.user, note=form.cleaned_data["reason"])
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Your application is withdrawn.")
    return redirect("applications:detail", pk=application.pk)


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    """The public web form: name, email, resume; the same rules as an emailed application."""
    call = get_object_or_404(Call, slug=slug)
    if not call.is_open():
        return render(request, "applications/apply.html", {"call": call, "closed": True}, status=410)
    form = WebApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["resume"]
        try:
            _application, created = intake.submit_web_application(
                call,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                filename=upload.name if upload else "",
                data=upload.read() if upload else b"",
            )
        except ValueError as exc:
            form.add_error("resume", str(exc))
        except OSError:  # the file store is down (object storage unreachable, disk full): nothing was kept
            form.add_error("resume", "We could not store your file just now, so nothing was saved. "
                                     "Please try again in a few minutes.")  # fmt: skip
            return render(request, "applications/apply.html", {"call": call, "form": form}, status=503)
        else:
            Application.objects.filter(pk=_application.pk, privacy_accepted_at__isnull=True).update(
                privacy_notice_version=settings.PRIVACY_NOTICE_VERSION, privacy_accepted_at=timezone.now()
            )  # the form shows the notice next to the button
            return render(
                request,
                "applications/apply_done.html",
                {"call": call, "created": created, "email": form.cleaned_data["email"]},
            )
    return render(request, "applications/apply.html", {"call": call, "form": form})


# --- organizers' pages -----------------------------------------------------------------------------


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The inbound mail log: every message, its outcome and reason."""
    require_perm(request, "applications.view_inbound", ORGANIZERS_ONLY)
    outcome = request.GET.get("outcome", "")
    rows = InboundMessage.objects.select_related("application__applicant", "call").order_by("-received_at", "-pk")
    if outcome in InboundOutcome.values:
        rows = rows.filter(outcome=outcome)
    counts = dict(InboundMessage.objects.order_by().values_list("outcome").annotate(n=Count("pk")))
    page = Paginator(rows.defer("body_text"), PAGE_SIZE).get_page(request.GET.get("page"))
    outcomes = [(o, counts.get(o.value, 0)) for o in InboundOutcome]
    return render(request, "applications/inbox.html", {"page": page, "outcome": outcome, "outcomes": outcomes})


def _get_inbound_for_organizer(request: HttpRequest, pk: int) -> InboundMessage:
    require_perm(request, "applications.view_inbound", ORGANIZERS_ONLY)
    return get_object_or_404(
        InboundMessage.objects.select_related("application__applicant", "call", "duplicate_of", "released_by"), pk=pk
    )


@require_GET
@login_required
def inbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = _get_inbound_for_organizer(request, pk)
    with message.raw.open("rb") as fh:
        headers = BytesParser(policy=policy.compat32).parse(fh, headersonly=True)
    return render(
        request,
        "applications/inbound_detail.html",
        {"message": message, "headers": list(headers.items()), "documents": list(message.documents.all())},
    )


@require_GET
@login_required
def inbound_raw(request: HttpRequest, pk: int) -> FileResponse:
    message = _get_inbound_for_organizer(request, pk)
    return attachment(message.raw, f"message-{message.pk}.eml", "message/rfc822")


@require_POST
@login_required
def inbound_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    message = _get_inbound_for_organizer(request, pk)
    release = request.POST.get("release") == "1"
    if message.outcome != InboundOutcome.REJECTED and release:
        messages.error(request, "Only a rejected message can be released.")
        return redirect("applications:inbound", pk=message.pk)
    result = intake.reprocess(message, by=request.user, release=release)
    verb = "Released" if release else "Reprocessed"
    messages.success(request, f"{verb}: {result.outcome.replace('_', ' ')}.")
    return redirect("applications:inbound", pk=message.pk)


@require_GET
@login_required
def calls(request: HttpRequest) -> HttpResponse:
    require_perm(request, "applications.manage_calls", ORGANIZERS_ONLY)
    rows = Call.objects.select_related("cohort").annotate(
        total=Count("applications"),
        waiting=Count("applications", filter=Q(applications__state=ApplicationState.SUBMITTED)),
        needs_resume=Count("applications", filter=Q(applications__needs_resume=True)),
    )
    return render(request, "applications/calls.html", {"calls": rows})


@require_GET
@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Every application of every call, found by the applicant's name or email (organizers)."""
    require_perm(request, "applications.manage_calls", ORGANIZERS_ONLY)
    query = search_text(request.GET.get("q"))
    rows = Application.objects.none()
    if query:
        rows = (
            Application.objects.filter(Q(applicant__email__icontains=query) | Q(applicant__full_name__icontains=query))
            .select_related("applicant", "call")
            .order_by("-created_at")
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "applications/search.html", {"page": page, "q": query})


@require_http_methods(["GET", "POST"])
@login_required
def call_new(request: HttpRequest) -> HttpResponse:
    require_perm(request, "applications.manage_calls", ORGANIZERS_ONLY)
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        call = form.save()
        if form.cleaned_data["with_template"]:
            apply_template(call)
            apply_rubric(call)
        messages.success(request, f"Call “{call.name}” is open. Mail to {links.call_address(call)} goes to it.")
        return redirect("applications:call", slug=call.slug)
    return render(request, "applications/call_new.html", {"form": form})


@require_GET
@login_required
def call_applications(request: HttpRequest, slug: str) -> HttpResponse:
    """Applications of one call, filterable by state, missing resume, source and a name search."""
    require_perm(request, "applications.manage_calls", ORGANIZERS_ONLY)
    call = get_object_or_404(Call.objects.select_related("cohort", "questionnaire"), slug=slug)
    rows = Application.objects.filter(call=call).select_related("applicant").order_by("-created_at")
    state = request.GET.get("state", "")
    if state in ApplicationState.values:
        rows = rows.filter(state=state)
    if request.GET.get("needs_resume") == "1":
        rows = rows.filter(needs_resume=True)
    source = request.GET.get("source", "")
    if source in Application.Source.values:
        rows = rows.filter(source=source)
    query = search_text(request.GET.get("q"))
    if query:
        rows = rows.filter(Q(applicant__email__icontains=query) | Q(applicant__full_name__icontains=query))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/call_applications.html",
        {
            "call": call,
            "page": page,
            "states": ApplicationState.choices,
            "sources": Application.Source.choices,
            "filters": {
                "state": state,
                "source": source,
                "q": query,
                "needs_resume": request.GET.get("needs_resume") == "1",
            },
            "address": links.call_address(call),
            "question_count": Question.objects.filter(questionnaire__call=call).count(),
        },
    )
