"""Interview pages: the applicant's booking page, the interviewer's slots and scorecards, matching."""

from __future__ import annotations

import datetime
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from applications.access import application_for_user
from applications.forms import ScorecardForm, SlotsForm
from applications.interviews import services as interviews
from applications.models import Call, Interview, InterviewAvailability, InterviewSlot
from program.access import require_perm
from program.params import int_or_none, object_or_404


@require_http_methods(["GET", "POST"])
@login_required
def booking(request: HttpRequest, pk: int) -> HttpResponse:
    """The invited applicant picks a slot, or ticks the ones they could make for automatic matching."""
    application = application_for_user(request, pk, "applications.respond_to_offer")
    current = (
        application.interviews.filter(state=Interview.State.SCHEDULED).select_related("slot", "interviewer").first()
    )
    if request.method == "POST":
        try:
            if "book" in request.POST:
                slot = object_or_404(InterviewSlot, request.POST["book"])
                if current:
                    interviews.reschedule(current, slot, by=request.user)
                else:
                    interviews.book(application, slot, by=request.user)
                messages.success(request, "Booked: the invitation is in your email.")
            elif "cancel" in request.POST and current:
                interviews.cancel(current, by=request.user)
                messages.success(request, "Your interview is cancelled.")
            else:
                chosen = {int_or_none(i) for i in request.POST.getlist("can_make")} - {None}
                InterviewAvailability.objects.filter(application=application).exclude(slot_id__in=chosen).delete()
                for slot_id in chosen:
                    InterviewAvailability.objects.get_or_create(application=application, slot_id=slot_id)
                messages.success(request, "Thank you: we will match you to one of these times.")
        except (interviews.InterviewError, IntegrityError) as exc:
            messages.error(request, str(exc))
        return redirect("applications:interview", pk=application.pk)
    tz = zoneinfo.ZoneInfo(application.applicant.timezone or "UTC")
    slots = [(s, s.starts_at.astimezone(tz)) for s in interviews.open_slots()[:200]]
    chosen = set(InterviewAvailability.objects.filter(application=application).values_list("slot_id", flat=True))
    return render(
        request,
        "applications/interview_booking.html",
        {
            "application": application,
            "current": current,
            "slots": slots,
            "chosen": chosen,
            "tz": tz,
            "invited": application.state == "interview",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def my_interviews(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("applications.interview"):
        raise PermissionDenied("This page is for interviewers.")
    form = SlotsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        first = timezone.make_aware(
            datetime.datetime.combine(data["date"], data["start"]), zoneinfo.ZoneInfo(request.user.timezone or "UTC")
        )
        created = 0
        for k in range(data["count"]):
            _, made = InterviewSlot.objects.get_or_create(
                interviewer=request.user,
                starts_at=first + datetime.timedelta(minutes=k * (data["minutes"] + data["gap"])),
                defaults={"minutes": data["minutes"]},
            )
            created += made
        messages.success(request, f"{created} slot(s) added.")
        return redirect("applications:my-interviews")
    items = Interview.objects.filter(interviewer=request.user).select_related(
        "slot", "application__applicant", "application__call"
    )
    slots = InterviewSlot.objects.filter(interviewer=request.user, starts_at__gte=timezone.now()).exclude(
        interviews__state=Interview.State.SCHEDULED
    )
    return render(request, "applications/my_interviews.html", {"interviews": items, "slots": slots, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    interview = get_object_or_404(
        Interview.objects.select_related("slot", "application__applicant", "application__call", "interviewer"), pk=pk
    )
    if not (interview.interviewer_id == request.user.pk or request.user.has_perm("applications.decide_application")):
        raise PermissionDenied("Only the interviewer and organizers see this scorecard.")
    form = ScorecardForm(
        request.POST or None,
        initial={"score": interview.score, "recommendation": interview.recommendation, "notes": interview.notes},
    )
    if request.method == "POST" and form.is_valid():
        try:
            interviews.record_outcome(
                interview,
                by=request.user,
                no_show=form.cleaned_data["no_show"],
                score=form.cleaned_data["score"],
                recommendation=form.cleaned_data["recommendation"],
                notes=form.cleaned_data["notes"],
            )
        except interviews.InterviewError as exc:
            form.add_error("score", str(exc))
        else:
            messages.success(request, "Scorecard saved.")
            return redirect(
                "applications:my-interviews" if interview.interviewer_id == request.user.pk else "applications:detail",
                **({} if interview.interviewer_id == request.user.pk else {"pk": interview.application_id}),
            )
    return render(request, "applications/scorecard.html", {"interview": interview, "form": form})


@require_POST
@login_required
def match(request: HttpRequest, slug: str) -> HttpResponse:
    require_perm(request, "applications.decide_application", "This page is for organizers.")
    call = get_object_or_404(Call, slug=slug)
    booked, meta = interviews.auto_match(call, by=request.user)
    messages.success(
        request,
        f"{len(booked)} interview(s) booked (the best possible: {meta['max_schedulable']}); invitations are on their way.",
    )
    return redirect("applications:queue", slug=call.slug)
