"""Reviewer and review-queue pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications import decisions, outbox
from applications.access import application_for_user
from applications.forms import AssignForm, BulkActionForm, ConflictForm, DraftForm, ReviewForm
from applications.interviews import services as interviews
from applications.models import (
    Application,
    ApplicationState,
    Call,
    Offer,
    OutboundMessage,
    Promotion,
    Review,
    ReviewAssignment,
)
from applications.review import queries, reviews
from applications.review.analytics import bars, call_analytics
from applications.services import TransitionNotAllowed
from program.absolute import site_url
from program.access import require_perm
from program.exports import csv_response, table_response
from program.forms import errors_sentence
from program.models import Role, User
from program.params import int_or_none

QUEUE_PAGE = 250


@require_GET
@login_required
def my_reviews(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("applications.review"):
        raise PermissionDenied("This page is for reviewers.")
    assignments = list(
        ReviewAssignment.objects.filter(reviewer=request.user)
        .select_related("application__applicant", "application__call")
        .order_by("due_at", "pk")
    )
    submitted = dict(
        Review.objects.filter(
            reviewer=request.user, application__in=[a.application_id for a in assignments]
        ).values_list("application_id", "submitted_at")
    )
    for item in assignments:
        item.review_state = (
            "submitted"
            if submitted.get(item.application_id)
            else ("draft" if item.application_id in submitted else "to do")
        )
    return render(request, "applications/my_reviews.html", {"assignments": assignments})


@require_http_methods(["GET", "POST"])
@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request, pk, "applications.review_application")
    criteria = list(application.call.criteria.all())
    mine = Review.objects.filter(application=application, reviewer=request.user).first()
    form = ReviewForm(request.POST or None, criteria=criteria, review=mine)
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST
        try:
            mine = reviews.save_review(
                application,
                reviewer=request.user,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                recommendation=form.cleaned_data["recommendation"],
                submit=submit,
            )
        except reviews.ReviewError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Review submitted." if submit else "Draft saved.")
            return redirect("applications:review", pk=application.pk)
    # Others' reviews stay hidden until this reviewer has submitted their own: no anchoring.
    others = []
    if mine and mine.submitted_at:
        others = list(
            Review.objects.filter(application=application, submitted_at__isnull=False)
            .exclude(reviewer=request.user)
            .select_related("reviewer")
        )
    answers = {a.question_id: a for a in application.answers.all()}
    questions = []
    if hasattr(application.call, "questionnaire"):
        questions = [(q, answers.get(q.pk)) for q in application.call.questionnaire.questions.all()]
    return render(
        request,
        "applications/review.html",
        {
            "application": application,
            "criteria": criteria,
            "form": form,
            "mine": mine,
            "others": others,
            "documents": list(application.documents.all()),
            "questions": questions,
            "conflict_form": ConflictForm(),
        },
    )


@require_POST
@login_required
def declare_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request, pk, "applications.review_application")
    form = ConflictForm(request.POST)
    if form.is_valid():
        reviews.declare_conflict(
            application, reviewer=request.user, reason=form.cleaned_data["reason"], by=request.user
        )
        messages.success(request, "Conflict recorded: you no longer review this application, and the organizers know.")
    return redirect("applications:my-reviews")


def _queue_filters(request: HttpRequest) -> queries.QueueFilters:
    reviewer = request.GET.get("reviewer", "")
    return queries.QueueFilters(
        state=request.GET.get("state", "") if request.GET.get("state", "") in ApplicationState.values else "",
        reviewer=int_or_none(reviewer),
        background=request.GET.get("background", "")[:50],
        source=request.GET.get("source", "") if request.GET.get("source", "") in Application.Source.values else "",
        disagreement=request.GET.get("disagreement") == "1",
        sort=request.GET.get("sort", "calibrated") if request.GET.get("sort") in queries.SORTS else "calibrated",
    )


@require_GET
@login_required
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    require_perm(request, "applications.manage_calls", "This page is for organizers.")
    call = get_object_or_404(Call, slug=slug)
    filters = _queue_filters(request)
    ordered = queries.queue_rows(call, filters)
    page = Paginator(ordered.values_list("pk", flat=True), QUEUE_PAGE).get_page(request.GET.get("page"))
    rows = (
        queries.display_rows(queries.as_records(ordered[page.start_index() - 1 : page.end_index()], call))
        if page.paginator.count
        else []
    )
    reviewers = list(
        User.objects.filter(role_assignments__role=Role.REVIEWER)
        .order_by("full_name", "email")
        .values("pk", "full_name", "email")
    )
    return render(
        request,
        "applications/queue.html",
        {
            "call": call,
            "page": page,
            "rows": rows,
            "filters": filters,
            "reviewers": reviewers,
            "states": ApplicationState.choices,
            "sources": Application.Source.choices,
            "sorts": list(queries.SORTS),
            "assign_form": AssignForm(),
            "bulk_form": BulkActionForm(),
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@login_required
def queue_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    require_perm(request, "applications.manage_calls", "This page is for organizers.")
    call = get_object_or_404(Call, slug=slug)
    table = queries.export_frame(queries.review_queue(call, _queue_filters(request)), site_url())
    return table_response(table, f"{call.slug}-review-queue", fmt, sheet="Review queue")


@require_POST
@login_required
def assign(request: HttpRequest, slug: str) -> HttpResponse:
    require_perm(request, "applications.manage_calls", "This page is for organizers.")
    call = get_object_or_404(Call, slug=slug)
    form = AssignForm(request.POST)
    if form.is_valid():
        result = reviews.assign_reviewers(call, k=form.cleaned_data["reviewers_per_application"], by=request.user)
        text = f"{len(result.pairs)} assignments made."
        if result.shortfall:
            text += f" {len(result.shortfall)} applications could not get enough reviewers (conflicts or too few reviewers)."
        messages.success(request, text)
    return redirect("applications:queue", slug=call.slug)


@require_POST
@login_required
def bulk_action(request: HttpRequest, slug: str) -> HttpResponse:
    require_perm(request, "applications.decide_application", "This page is for organizers.")
    call = get_object_or_404(Call, slug=slug)
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was changed. {errors_sentence(form)}")
        return redirect("applications:queue", slug=call.slug)
    action = form.cleaned_data["action"]
    done, refused = 0, []
    for application in Application.objects.filter(call=call, pk__in=form.cleaned_data["ids"]).select_related(
        "applicant", "call__cohort"
    ):
        try:
            if action == "interview":
                interviews.invite(application, by=request.user)
            else:
                decisions.decide_application(
                    application, decision=action, by=request.user, note=form.cleaned_data["note"]
                )
            done += 1
        except TransitionNotAllowed as exc:
            refused.append(f"#{application.pk}: {exc}")
    messages.success(
        request,
        f"{done} application(s) updated."
        + (" Drafted emails wait in the outbox for review." if action != "interview" else ""),
    )
    for line in refused[:10]:
        messages.warning(request, line)
    return redirect("applications:queue", slug=call.slug)


@require_http_methods(["GET", "POST"])
@login_required
def outbox_drafts(request: HttpRequest) -> HttpResponse:
    """Emails drafted by decisions, to read before they go out."""
    require_perm(request, "applications.decide_application", "This page is for organizers.")
    if request.method == "POST":
        ids = [n for i in request.POST.getlist("ids") if (n := int_or_none(i)) is not None]
        if request.POST.get("all") == "1":
            ids = list(OutboundMessage.objects.filter(state=OutboundMessage.State.DRAFT).values_list("pk", flat=True))
        sent = outbox.release_drafts(ids, by=request.user)
        messages.success(request, f"{sent} email(s) queued for sending.")
        return redirect("applications:outbox")
    state = request.GET.get("state", "draft")
    rows = OutboundMessage.objects.select_related("application__applicant").order_by("-created_at")
    if state in OutboundMessage.State.values:
        rows = rows.filter(state=state)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request, "applications/outbox.html", {"page": page, "state": state, "states": OutboundMessage.State.choices}
    )


@require_http_methods(["GET", "POST"])
@login_required
def outbox_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rewrite a drafted email before it goes out (who edited it is kept)."""
    require_perm(request, "applications.decide_application", "This page is for organizers.")
    message = get_object_or_404(OutboundMessage.objects.select_related("application__applicant", "edited_by"), pk=pk)
    form = DraftForm(request.POST or None, initial={"subject": message.subject, "body": message.body_text})
    if request.method == "POST" and form.is_valid():
        try:
            outbox.edit_draft(
                message, subject=form.cleaned_data["subject"], body=form.cleaned_data["body"], by=request.user
            )
        except outbox.OutboxError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Draft to {message.to_email} saved; it waits in the outbox until you send it.")
        return redirect("applications:outbox")
    return render(request, "applications/outbox_edit.html", {"message": message, "form": form})


@require_POST
@login_required
def respond_offer(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request, pk, "applications.respond_to_offer")
    offer = get_object_or_404(Offer, application=application)
    try:
        decisions.respond_to_offer(offer, confirm=request.POST.get("response") == "confirm", by=request.user)
    except decisions.OfferClosed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Thank you: your answer is recorded.")
    return redirect("applications:detail", pk=application.pk)


@require_POST
@login_required
def decide_promotion(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "applications.decide_application", "This page is for organizers.")
    promotion = get_object_or_404(Promotion.objects.select_related("application__call"), pk=pk)
    decisions.approve_promotion(promotion, by=request.user, approve=request.POST.get("approve") == "1")
    messages.success(
        request,
        "Promotion approved: the acceptance email waits in the outbox."
        if request.POST.get("approve") == "1"
        else "Promotion dismissed.",
    )
    return redirect("applications:queue", slug=promotion.application.call.slug)


@require_GET
@login_required
def analytics(request: HttpRequest, slug: str) -> HttpResponse:
    require_perm(request, "applications.manage_calls", "This page is for organizers.")
    call = get_object_or_404(Call, slug=slug)
    data = call_analytics(call)
    reviewer_bars = [
        {
            "reviewer": r["reviewer"],
            "mean": r["mean"],
            "share": round(100 * (float(r["mean"]) - 1) / 4, 1),
            "reviews": r["reviews"],
            "histogram": {
                int(h["bucket"]): int(h["count"])
                for _, h in data.histogram[data.histogram["reviewer"] == r["reviewer"]].iterrows()
            },
        }
        for _, r in data.reviewers.iterrows()
    ]
    return render(
        request,
        "applications/analytics.html",
        {
            "call": call,
            "funnel": bars(data.funnel, "stage"),
            "background": bars(data.background, "background"),
            "sources": bars(data.sources, "source"),
            "heard_from": bars(data.heard_from, "heard_from"),
            "reviewer_bars": reviewer_bars,
            "buckets": [1, 2, 3, 4, 5],
        },
    )


@require_GET
@login_required
def analytics_csv(request: HttpRequest, slug: str) -> HttpResponse:
    require_perm(request, "applications.manage_calls", "This page is for organizers.")
    call = get_object_or_404(Call, slug=slug)
    return csv_response(call_analytics(call).frame(), f"{call.slug}-analytics.csv")
