"""Daily feedback and the end-of-program survey for participants and TAs; the coordinator's summary."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from program.exports import csv_response
from program.feedback import answers as feedback
from program.models import Cohort, DayFeedback, EndSurvey, Enrollment, ProgramDay, Role
from program.params import object_or_404

SCALE = [(i, str(i)) for i in range(1, 6)]


class DayForm(forms.ModelForm):
    class Meta:
        model = DayFeedback
        fields = ["how_went", "difficulty", "pair_experience", "lecture_usefulness", "text"]
        widgets = {f: forms.RadioSelect(choices=SCALE) for f in feedback.SCORES} | {
            "text": forms.Textarea(attrs={"rows": 3})
        }

    def __init__(self, *args, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        if role == Role.TA:
            del self.fields["pair_experience"]
            self.fields["text"].label = "Which pairs needed help, and anything else?"


class SurveyForm(forms.ModelForm):
    class Meta:
        model = EndSurvey
        fields = ["overall", "recommend", "surprised", "change"]
        widgets = {
            "overall": forms.RadioSelect(choices=SCALE),
            "recommend": forms.RadioSelect(choices=[(i, str(i)) for i in range(11)]),
            "surprised": forms.Textarea(attrs={"rows": 3}),
            "change": forms.Textarea(attrs={"rows": 3}),
        }


@require_http_methods(["GET", "POST"])
@login_required
def day_feedback(request: HttpRequest) -> HttpResponse:
    """Today's (or ?day=) feedback form for the person's cohort."""
    enrollment = (
        Enrollment.objects.filter(user=request.user, status=Enrollment.Status.ACTIVE)
        .select_related("cohort")
        .order_by("-cohort__starts_on")
        .first()
    )
    if enrollment is None:
        raise PermissionDenied("Feedback is for the participants and TAs of a cohort.")
    cohort = enrollment.cohort
    days = ProgramDay.objects.filter(cohort=cohort, date__lte=timezone.localdate()).order_by("-date")
    day = object_or_404(days, request.GET["day"]) if request.GET.get("day") else days.first()
    if day is None:
        return render(request, "program/feedback_day.html", {"cohort": cohort, "day": None})
    existing = feedback.existing_day_feedback(request.user, day)
    form = DayForm(request.POST or None, instance=existing, role=enrollment.role)
    if request.method == "POST" and form.is_valid():
        feedback.submit_day(
            request.user, day, {k: form.cleaned_data.get(k) for k in DayForm.Meta.fields if k in form.cleaned_data}
        )
        messages.success(request, f"Thank you: your feedback on day {day.number} is saved.")
        return redirect(f"{request.path}?day={day.pk}")
    return render(
        request,
        "program/feedback_day.html",
        {"cohort": cohort, "day": day, "form": form, "existing": existing, "days": days[:30], "role": enrollment.role},
    )


@require_http_methods(["GET", "POST"])
@login_required
def survey(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = get_object_or_404(Cohort, slug=slug)
    if not Enrollment.objects.filter(
        cohort=cohort, user=request.user, role=Role.PARTICIPANT, status=Enrollment.Status.ACTIVE
    ).exists():
        raise PermissionDenied("The end-of-program survey is for the cohort's participants.")
    existing = EndSurvey.objects.filter(
        cohort=cohort, respondent=feedback.respondent(request.user, f"survey:{cohort.pk}")
    ).first()
    form = SurveyForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        feedback.submit_survey(request.user, cohort, form.cleaned_data)
        messages.success(request, "Thank you for answering the survey.")
        return redirect("program:survey", slug=cohort.slug)
    return render(request, "program/feedback_survey.html", {"cohort": cohort, "form": form, "existing": existing})


@require_GET
@login_required
def summary(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = get_object_or_404(Cohort, slug=slug)
    if not request.user.has_perm("program.change_cohort", cohort):
        raise PermissionDenied("Feedback results are for coordinators and organizers.")
    table = feedback.day_table(cohort)
    if request.GET.get("format") == "csv":
        return csv_response(table, f"{cohort.slug}-feedback.csv")
    return render(
        request,
        "program/feedback_summary.html",
        {
            "cohort": cohort,
            # Empty cells are None (shown as "–"), never NaN (which templates print as "nan").
            "rows": table.astype(object).where(table.notna(), None).to_dict("records"),
            "chart": feedback.chart(table),
            "ta_chart": feedback.chart(table, Role.TA.value),
            "texts": feedback.texts(cohort),
            "survey": feedback.survey_summary(cohort),
            "labels": feedback.LABELS,
        },
    )
