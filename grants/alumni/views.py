"""Alumni and hiring: the organizers' list (filters, CSV, hiring flag), one person's history with
organizer-only notes, and the alumnus' own page (current role, contact opt-out)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from grants.alumni import table as alumni
from grants.models import AlumniNote, AlumniProfile
from program.access import require_perm
from program.exports import csv_response
from program.models import User
from program.params import object_or_404, search_text


class ProfileForm(forms.ModelForm):
    class Meta:
        model = AlumniProfile
        fields = ["current_role", "current_organisation", "contact_ok"]
        labels = {"contact_ok": "Organizers may contact me about opportunities"}


@require_http_methods(["GET", "POST"])
@login_required
def alumni_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, "grants.manage_alumni", "The alumni list is for organizers.")
    if request.method == "POST":
        person = object_or_404(User, request.POST.get("person"))
        profile = alumni.set_of_interest(person, request.POST.get("of_interest") == "1")
        messages.success(
            request, f"{person.display_name}: {'of interest' if profile.of_interest else 'no longer marked'}."
        )
        return redirect(request.get_full_path())
    get = request.GET
    frame = alumni.filtered(
        alumni.table(),
        of_interest=get.get("of_interest") == "1",
        contact_ok=get.get("contact_ok") == "1",
        kind=get.get("kind", ""),
        q=search_text(get.get("q")),
    )
    if get.get("format") == "csv":
        return csv_response(frame.drop(columns=["user_id", "outcome_kind"]), "alumni.csv")
    return render(request, "grants/alumni_list.html", {"rows": frame.to_dict("records"), "filters": get})


@require_http_methods(["GET", "POST"])
@login_required
def alumni_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "grants.manage_alumni", "The alumni list is for organizers.")
    person = get_object_or_404(User, pk=pk)
    if person.pk not in alumni.alumni_ids():
        raise Http404("This person has not completed a cohort or a grant.")
    if request.method == "POST":
        try:
            alumni.add_note(person, request.POST.get("text", ""), by=request.user)
            messages.success(request, "Note added.")
        except ValueError as exc:
            messages.error(request, str(exc))
        return redirect("grants:alumnus", pk=person.pk)
    return render(
        request,
        "grants/alumni_detail.html",
        {
            "person": person,
            "profile": AlumniProfile.objects.filter(user=person).first(),
            "history": alumni.history(person),
            "notes": AlumniNote.objects.filter(person=person).select_related("author"),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def my_alumni_profile(request: HttpRequest) -> HttpResponse:
    if request.user.pk not in alumni.alumni_ids():
        raise PermissionDenied("This page is for people who completed a cohort or a grant.")
    profile, _ = AlumniProfile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.updated_at = timezone.now()
        saved.save()
        messages.success(request, "Saved.")
        return redirect("grants:my-alumni")
    return render(request, "grants/alumni_me.html", {"form": form, "history": alumni.history(request.user)})
