"""The help queue's pages: the pair's box on Today (ask in one click, see the place and the wait, or
that a TA is coming), the TA's live queue per room (htmx polling every 3 s: claim, resolve, hand back,
accept a proposal), and the coordinator's numbers with the tests that raise most questions (CSV)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from program.exports import csv_response
from program.help import queue, stats
from program.models import Cohort, HelpRequest, PairGroup, ProgramDay, Room, TAAssignment, User
from program.params import int_or_none

POLL_SECONDS = 3
S = HelpRequest.State


def my_group_today(user: User) -> PairGroup | None:
    return (
        PairGroup.objects.filter(members=user, day__date=timezone.localdate())
        .select_related("day__cohort", "day__curriculum_day", "machine__room")
        .first()
    )


@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The pair's box alone (Today polls it)."""
    return render(request, "program/help_box.html", queue.box(my_group_today(request.user)))


@require_POST
@login_required
def ask(request: HttpRequest) -> HttpResponse:
    group = my_group_today(request.user)
    if group is None:
        messages.error(request, "You are not in a pair today, so there is no queue to join.")
        return redirect("program:today")
    _, created = queue.ask(group, by=request.user, note=request.POST.get("note", ""))
    if not request.htmx:
        messages.success(request, "You are in the queue." if created else "You are already in the queue.")
        return redirect("program:today")
    return render(request, "program/help_box.html", queue.box(group))


@require_POST
@login_required
def cancel(request: HttpRequest) -> HttpResponse:
    group = my_group_today(request.user)
    entry = HelpRequest.objects.filter(group=group, state__in=queue.OPEN).first() if group else None
    if entry is not None:
        queue.cancel(entry, by=request.user)
    if not request.htmx:
        return redirect("program:today")
    return render(request, "program/help_box.html", queue.box(group))


def _cohort(request: HttpRequest, slug: str, perm: str = "program.help_queue") -> Cohort:
    cohort = get_object_or_404(Cohort, slug=slug)
    if not request.user.has_perm(perm, cohort):
        raise PermissionDenied("The help queue is for the cohort's TAs, coordinators and organizers.")
    return cohort


def _queue_context(request: HttpRequest, cohort: Cohort) -> dict:
    day = ProgramDay.objects.filter(cohort=cohort, date=timezone.localdate()).first()
    duty = (
        TAAssignment.objects.filter(day=day, ta=request.user).values_list("room_id", flat=True).first() if day else None
    )
    room_id = int_or_none(request.GET.get("room")) if "room" in request.GET else duty
    entries = list(queue.open_entries(day, room_id=room_id)) if day else []
    waiting = queue.ordered(entries, day) if day else []
    found = queue.proposals(cohort) if day else []
    if room_id:
        found = [f for f in found if f["group"].machine and f["group"].machine.room_id == room_id]
    return {
        "cohort": cohort, "day": day, "room_id": room_id, "rooms": Room.objects.order_by("name"),
        "waiting": waiting, "claimed": [e for e in entries if e.state == S.CLAIMED], "grouped": queue.grouped(waiting),
        "proposals": found, "now": timezone.now(), "poll": POLL_SECONDS,
    }  # fmt: skip


@require_GET
@login_required
def queue_page(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = _cohort(request, slug)
    template = "program/help_queue.html#live" if request.htmx else "program/help_queue.html"
    return render(request, template, _queue_context(request, cohort))


@require_POST
@login_required
def act(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    cohort = _cohort(request, slug)
    entry = get_object_or_404(HelpRequest, pk=pk, day__cohort=cohort)
    if action == "claim":
        done = queue.claim(entry, by=request.user)
        note = "Claimed: the pair sees that you are coming." if done else "Another TA claimed it first."
    elif action == "resolve":
        done = queue.resolve(entry, by=request.user, resolution=request.POST.get("resolution", ""))
        note = "Resolved." if done else "This entry was not claimed."
    elif action == "hand-back":
        done = queue.hand_back(entry, by=request.user)
        note = "Handed back: it keeps its place." if done else "This entry was not claimed."
    else:
        raise Http404("No such action.")
    (messages.success if done else messages.warning)(request, note)
    room = int_or_none(request.POST.get("room"))
    return redirect(reverse("program:help-queue", kwargs={"slug": cohort.slug}) + (f"?room={room}" if room else ""))


@require_POST
@login_required
def accept(request: HttpRequest, slug: str, workspace: str) -> HttpResponse:
    cohort = _cohort(request, slug)
    group = get_object_or_404(PairGroup, day__cohort=cohort, day__date=timezone.localdate(), workspace=workspace)
    _, created = queue.accept(cohort, group, by=request.user)
    messages.success(request, "Queued: the pair sees that a TA is coming." if created else "Already in the queue.")
    return redirect("program:help-queue", slug=cohort.slug)


@require_GET
@login_required
def numbers(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = _cohort(request, slug, "program.help_numbers")
    tests = stats.top_tests(cohort)
    if request.GET.get("format") == "csv":
        return csv_response(stats.top_tests(cohort, limit=1000), f"{cohort.slug}-help-tests.csv")
    if request.GET.get("format") == "waits":
        return csv_response(stats.per_day_and_ta(cohort), f"{cohort.slug}-help-waits.csv")
    return render(request, "program/help_numbers.html", {
        "cohort": cohort, "rows": _records(stats.per_day_and_ta(cohort)), "tests": tests.to_dict("records"),
        "most": int(tests["entries"].max()) if not tests.empty else 0,
    })  # fmt: skip


def _records(table) -> list[dict]:
    """Rows for a template: a missing number (no spotted entry, none resolved yet) is None, never NaN."""
    return table.astype(object).where(table.notna(), None).to_dict("records")
