"""Public forms (updates sign-up, curriculum access requests), confirmation and one-click unsubscribe,
and the organizers' announcements and access-request pages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from applications.models import AccessRequest, Announcement, Call, Interest, Subscriber
from applications.updates import services as updates
from program.access import require_perm
from program.params import object_or_404
from program.validators import NameField


class SignUpForm(forms.Form):
    name = NameField(max_length=200, required=False)
    email = forms.EmailField(max_length=320)
    interests = forms.MultipleChoiceField(choices=Interest.choices, widget=forms.CheckboxSelectMultiple)


class AccessForm(forms.Form):
    name = NameField(max_length=200, label="Your name")
    email = forms.EmailField(max_length=320)
    affiliation = forms.CharField(max_length=200, required=False, help_text="University, company or group.")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, label="Why you would like access"
    )


class AnnouncementForm(forms.Form):
    subject = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), label="Text")
    segment = forms.ChoiceField(choices=[("", "Everyone"), *Interest.choices], required=False)


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None, initial={"interests": request.GET.getlist("interest")})
    if request.method == "POST" and form.is_valid():
        try:
            updates.subscribe(form.cleaned_data["email"], form.cleaned_data["name"], form.cleaned_data["interests"])
        except updates.UpdatesError as exc:
            form.add_error(None, str(exc))
        else:
            return render(request, "applications/updates_check_inbox.html", {"email": form.cleaned_data["email"]})
    return render(request, "applications/updates_sign_up.html", {"form": form})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links); POST confirms."""
    subscriber = get_object_or_404(Subscriber, token=token)
    done = None
    if request.method == "POST":
        done = updates.confirm(token) is not None
        subscriber.refresh_from_db()
    return render(request, "applications/updates_confirm.html", {"subscriber": subscriber, "done": done})


@csrf_exempt  # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click"; the token is the secret
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = Subscriber.objects.filter(token=token).first()
    if subscriber is None:
        return render(request, "applications/updates_unsubscribed.html", {"unknown": True}, status=404)
    if request.method == "POST":
        updates.unsubscribe(token)
        return render(request, "applications/updates_unsubscribed.html", {"unknown": False})
    return render(request, "applications/updates_unsubscribe.html", {"subscriber": subscriber})


@require_http_methods(["GET", "POST"])
@login_required
def announcements(request: HttpRequest) -> HttpResponse:
    require_perm(request, "applications.manage_updates", "This page is for organizers.")
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            announcement = updates.compose(**form.cleaned_data, by=request.user)
            count = updates.send(announcement)
        except updates.UpdatesError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"“{announcement.subject}” is going out to {count} subscribers.")
            return redirect("updates:announcements")
    return render(
        request,
        "applications/announcements.html",
        {
            "form": form,
            "announcements": Announcement.objects.select_related("created_by", "call")[:50],
            "counts": updates.segment_counts(),
            "interests": Interest.choices,
        },
    )


@require_POST
@login_required
def notify_call(request: HttpRequest, slug: str) -> HttpResponse:
    require_perm(request, "applications.manage_updates", "This page is for organizers.")
    call = get_object_or_404(Call, slug=slug)
    if call.announcements.exists():
        messages.error(request, "Subscribers were already told about this call.")
    else:
        announcement = updates.notify_call(call, by=request.user)
        messages.success(request, f"Told {announcement.recipients} subscribers about {call.name}.")
    return redirect("applications:calls")


@require_http_methods(["GET", "POST"])
def access_request(request: HttpRequest) -> HttpResponse:
    form = AccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            updates.request_access(**form.cleaned_data)
        except updates.UpdatesError as exc:
            form.add_error(None, str(exc))
        else:
            return render(request, "applications/access_thanks.html")
    return render(request, "applications/access_request.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def access_requests(request: HttpRequest) -> HttpResponse:
    require_perm(request, "applications.manage_updates", "This page is for organizers.")
    if request.method == "POST":
        item = object_or_404(AccessRequest, request.POST.get("request"))
        action = request.POST.get("action")
        try:
            if action in ("approve", "decline"):
                updates.decide_access(item, approve=action == "approve", by=request.user)
            elif action == "revoke":
                updates.revoke_access(item, by=request.user, note=request.POST.get("note", ""))
            else:
                raise updates.UpdatesError("Unknown action.")
            messages.success(request, f"{item.name}: {action}d.")
        except updates.UpdatesError as exc:
            messages.error(request, str(exc))
        return redirect("updates:access-requests")
    state = request.GET.get("state", "")
    rows = AccessRequest.objects.select_related("curriculum", "decided_by")
    if state in AccessRequest.State.values:
        rows = rows.filter(state=state)
    return render(
        request,
        "applications/access_requests.html",
        {"rows": rows[:200], "state": state, "states": AccessRequest.State.choices},
    )
