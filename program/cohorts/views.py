"""Schedules people use: the coordinator's week board (htmx-editable), its printable PDF, the
lecture-planning helper, and the participant's and TA's "Today" page."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from program.cohorts import absences, enrollments, pairs, schedule, staffing
from program.forms import SessionForm, errors_sentence
from program.help import queue as help_queue
from program.models import (
    Cohort,
    Enrollment,
    LabMachine,
    PairGroup,
    ProgramDay,
    Role,
    Room,
    Session,
    TAAssignment,
    User,
)
from program.params import int_or_none, object_or_404
from program.pdf import render_pdf
from program.scheduling import Infeasible, MalformedInstance
from program.statemachine import TransitionNotAllowed


def _cohort(request: HttpRequest, slug: str, *, edit: bool = False) -> Cohort:
    cohort = get_object_or_404(Cohort, slug=slug)
    if not request.user.has_perm("program.view_cohort", cohort):
        raise PermissionDenied("You are not part of this cohort.")
    if edit and not request.user.has_perm("program.change_cohort", cohort):
        raise PermissionDenied("Only coordinators and organizers edit the schedule.")
    return cohort


def _weeks(cohort: Cohort) -> list[list[date]]:
    weeks: dict[tuple[int, int], list[date]] = {}
    for day in ProgramDay.objects.filter(cohort=cohort).order_by("date").values_list("date", flat=True):
        weeks.setdefault(day.isocalendar()[:2], []).append(day)
    return list(weeks.values())


def _week_number(request: HttpRequest, weeks: list[list[date]]) -> int:
    try:
        return min(max(1, int(request.GET.get("week") or request.POST.get("week") or 0)), max(1, len(weeks)))
    except ValueError:
        pass
    today = timezone.localdate()
    for index, days in enumerate(weeks, start=1):
        if days[-1] >= today:
            return index
    return max(1, len(weeks))


def _days_with_everything(days_qs, groups=None):
    """Days with their groups (every pair, or the `groups` queryset given), sessions and TA assignments."""
    groups = PairGroup.objects.all() if groups is None else groups
    return days_qs.select_related("curriculum_day").prefetch_related(
        Prefetch("groups", queryset=groups.select_related("machine__room").prefetch_related("members")),
        Prefetch("sessions", queryset=Session.objects.select_related("speaker", "room")),
        Prefetch("ta_assignments", queryset=TAAssignment.objects.select_related("ta", "room")),
    )


def _annotate_day(day: ProgramDay) -> ProgramDay:
    rooms: dict[str, list[User]] = {}
    for assignment in day.ta_assignments.all():
        rooms.setdefault(assignment.room.name, []).append(assignment.ta)
    day.tas_by_room = sorted(rooms.items())
    day.people = sorted((m for g in day.groups.all() for m in g.members.all()), key=lambda u: u.display_name)
    return day


def week_context(request: HttpRequest, cohort: Cohort) -> dict:
    weeks = _weeks(cohort)
    number = _week_number(request, weeks)
    dates = weeks[number - 1] if weeks else []
    days = [_annotate_day(d) for d in _days_with_everything(ProgramDay.objects.filter(cohort=cohort, date__in=dates))]
    return {
        "cohort": cohort,
        "days": days,
        "week": number,
        "weeks": range(1, len(weeks) + 1),
        "today": timezone.localdate(),
    }


def _with_machine_options(days: list[ProgramDay], machines: list[LabMachine]) -> None:
    """Each group's <option>s for its machine picker, built once in Python: a 40-person week has a
    hundred pickers of two dozen machines, too many for the template loop to stay fast."""
    labels = [(m.pk, escape(f"{m.name} ({m.room.name})" if m.room else m.name)) for m in machines]
    for day in days:
        for group in day.groups.all():
            group.machine_options = mark_safe(  # noqa: S308 (labels escaped above)
                "".join(
                    f'<option value="{pk}"{" selected" if pk == group.machine_id else ""}>{label}</option>'
                    for pk, label in labels
                )
            )


def _editing_context(cohort: Cohort, days: list[ProgramDay]) -> dict:
    machines = list(LabMachine.objects.filter(active=True).select_related("room"))
    _with_machine_options(days, machines)
    why = pairs.reasons(cohort, until=max((d.date for d in days), default=None))
    for day in days:
        for group in day.groups.all():
            group.reason = why.get(group.pk, "")
    return {
        "rooms": list(Room.objects.all()),
        "speakers": list(
            User.objects.filter(
                Q(enrollments__cohort=cohort, enrollments__role=Role.TA) | Q(role_assignments__role=Role.COORDINATOR)
            )
            .distinct()
            .order_by("full_name")
        ),
        "session_kinds": Session.Kind.choices,
        "quality": pairs.quality(cohort),
        "can_edit": True,
    }


DAY_ACTIONS = ("lock", "swap", "absent", "machine", "add-session", "delete-session")


def _day_action(request: HttpRequest, cohort: Cohort, action: str) -> tuple[ProgramDay, str]:
    """One edit of one day; returns the day and a sentence for the person (raises ValueError on refusal)."""
    day = object_or_404(ProgramDay, request.POST.get("day"), cohort=cohort)
    if action == "lock":
        group = object_or_404(PairGroup, request.POST.get("group"), day=day)
        PairGroup.objects.filter(pk=group.pk).update(locked=not group.locked)
        return day, f"{group.workspace} {'unlocked' if group.locked else 'locked'}."
    if action == "swap":
        first = object_or_404(User, request.POST.get("first"))
        second = object_or_404(User, request.POST.get("second"))
        try:
            pairs.swap(day, first, second)
        except PairGroup.DoesNotExist:
            raise ValueError("Both people need a group that day; generate the pairs first.") from None
        return day, f"Swapped {first.display_name} and {second.display_name}; both groups are now locked."
    if action == "absent":
        person = object_or_404(User, request.POST.get("person"))
        enrollment = Enrollment.objects.filter(cohort=cohort, user=person, role=Role.PARTICIPANT).first()
        if enrollment is None:
            raise ValueError(f"{person.display_name} is not a participant of this cohort.")
        changes = absences.mark_absent(enrollment, day, by=request.user)
        told = ", ".join(u.display_name for u in changes) or "nobody's group changed"
        return day, f"{person.display_name} is away on day {day.number}; told of their new partners: {told}."
    if action == "machine":
        group = object_or_404(PairGroup, request.POST.get("group"), day=day)
        machine_pk = request.POST.get("machine")
        machine = object_or_404(LabMachine, machine_pk) if machine_pk else None
        staffing.set_machine(group, machine)
        return day, f"{group.workspace} is on {machine.name if machine else 'no machine'}."
    if action == "add-session":
        form = SessionForm(request.POST)
        if not form.is_valid():
            raise ValueError(errors_sentence(form))
        data = form.cleaned_data
        session = schedule.add_session(
            day,
            title=data["title"],
            starts=data["starts"],
            ends=data["ends"],
            kind=data["kind"],
            speaker=data["speaker"],
            room=data["room"],
            link=data["link"],
        )
        return day, f"Booked “{session.title}”."
    if action == "delete-session":
        session = object_or_404(Session, request.POST.get("session"), day=day)
        session.delete()
        return day, f"Removed “{session.title}”."
    raise ValueError(f"Unknown action {action!r}.")


@require_http_methods(["GET", "POST"])
@login_required
def board(request: HttpRequest, slug: str) -> HttpResponse:
    """The coordinator's week board: pairs per day (lock, swap, machine), TAs per room and sessions.
    Day edits are htmx requests answered with the day's row (and the quality line out of band)."""
    cohort = _cohort(request, slug, edit=True)
    week = request.POST.get("week") or request.GET.get("week") or ""
    back = f"{reverse('program:board', kwargs={'slug': cohort.slug})}?week={week}"
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ("generate", "assign-tas"):
            _plan(request, cohort, action)
            return redirect(back)
        if (
            action not in DAY_ACTIONS
            or not ProgramDay.objects.filter(pk=int_or_none(request.POST.get("day")), cohort=cohort).exists()
        ):
            messages.error(request, "Choose a day of this cohort and something to do on it.")
            return redirect(back)
        try:
            day, note, ok = *_day_action(request, cohort, action), True
        except ValueError as exc:
            day, note, ok = object_or_404(ProgramDay, request.POST.get("day"), cohort=cohort), str(exc), False
        if request.htmx:
            return _day_row(request, cohort, day, note, ok)
        (messages.success if ok else messages.error)(request, note)
        return redirect(back)
    context = week_context(request, cohort)
    context |= _editing_context(cohort, context["days"])
    context["participants"] = list(
        Enrollment.objects.filter(cohort=cohort, role=Role.PARTICIPANT, status=Enrollment.Status.ACTIVE)
        .select_related("user")
        .order_by("user__full_name")
    )
    return render(request, "program/board.html", context)


def _plan(request: HttpRequest, cohort: Cohort, action: str) -> None:
    """Generate pairs (and machines and TAs) or assign TAs from a day on; the outcome as a message."""
    start = request.POST.get("from") or None
    try:
        from_day = date.fromisoformat(start) if start else None
        if action == "generate":
            meta = pairs.generate(cohort, from_day=from_day)
            staffing.assign_tas(cohort, from_day=from_day)
            messages.success(
                request,
                f"Pairs generated: {meta.get('repeat_events', 0)} repeats (the least possible is "
                f"{meta.get('repeat_events_lower_bound', 0)}); machines and TAs assigned.",
            )
        else:
            meta = staffing.assign_tas(cohort, from_day=from_day)
            messages.success(
                request,
                f"TAs assigned: coverage {meta.get('coverage_fraction', 1):.0%} "
                f"(the most possible is {meta.get('coverage_upper_bound', 1):.0%}).",
            )
    except (Infeasible, MalformedInstance, ValueError) as exc:
        messages.error(request, f"Could not do that: {exc}")


def _day_row(request: HttpRequest, cohort: Cohort, day: ProgramDay, note: str, ok: bool) -> HttpResponse:
    """The htmx answer to a day edit: the day's row, and the quality line out of band."""
    day = _annotate_day(_days_with_everything(ProgramDay.objects.filter(pk=day.pk)).get())
    context = {
        "cohort": cohort,
        "d": day,
        "note": note,
        "note_ok": ok,
        "today": timezone.localdate(),
        **_editing_context(cohort, [day]),
    }
    return HttpResponse(
        render_to_string("program/board.html#day", context, request)
        + render_to_string("program/board.html#quality", {**context, "oob": True}, request)
    )


@require_GET
@login_required
def week_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The week's schedule as a printable PDF, for everyone in the cohort."""
    cohort = _cohort(request, slug)
    context = week_context(request, cohort)
    pdf = render_pdf(render_to_string("program/week_pdf.html", context, request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{cohort.slug}-week-{context["week"]}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def lecture_plan(request: HttpRequest, slug: str) -> HttpResponse:
    """The lecture-planning helper: the curriculum's lectures placed by the engine, booked on request."""
    cohort = _cohort(request, slug, edit=True)
    try:
        plan, meta, unplaced = schedule.plan_lectures(cohort)
        error = ""
    except (Infeasible, MalformedInstance) as exc:
        plan, meta, unplaced, error = [], {}, [], str(exc)
    if request.method == "POST":
        if not plan:
            messages.error(request, error or "There is nothing to book.")
            return redirect("program:lecture-plan", slug=cohort.slug)
        room = object_or_404(Room, request.POST["room"]) if request.POST.get("room") else None
        booked, refused = schedule.book_plan(plan, room)
        messages.success(request, f"Booked {len(booked)} lectures.")
        for line in refused:
            messages.error(request, line)
        return redirect("program:board", slug=cohort.slug)
    return render(
        request,
        "program/lecture_plan.html",
        {
            "cohort": cohort,
            "plan": plan,
            "meta": meta,
            "unplaced": unplaced,
            "error": error,
            "rooms": Room.objects.all(),
        },
    )


def _days_for(user: User, days_qs):
    """The days with only what Today shows of them: the person's own group and, for a TA, the groups in
    the room on duty (not every pair of the cohort with every member), sessions and TA assignments."""
    duty_rooms = TAAssignment.objects.filter(ta=user, day=OuterRef("day")).values("room_id")
    groups = PairGroup.objects.filter(
        Q(pk__in=PairGroup.members.through.objects.filter(user=user).values("pairgroup_id"))
        | Q(machine__room_id__in=Subquery(duty_rooms))
    )
    return _days_with_everything(days_qs, groups)


def _enrollment_for_today(user: User, on: date) -> Enrollment | None:
    enrollments = list(
        Enrollment.objects.filter(user=user, status=Enrollment.Status.ACTIVE, role__in=[Role.PARTICIPANT, Role.TA])
        .select_related("cohort")
        .order_by("cohort__starts_on")
    )
    running = [e for e in enrollments if e.cohort.starts_on <= on <= e.cohort.ends_on]
    upcoming = [e for e in enrollments if e.cohort.starts_on > on]
    return (running or upcoming or enrollments[::-1] or [None])[0]


@require_GET
@login_required
def today(request: HttpRequest) -> HttpResponse:
    """Where am I today: partner(s), machine, TA, sessions and readings; yesterday's and tomorrow's at a glance.
    For a TA: the room on duty and its pairs with their machines."""
    try:
        on = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        on = timezone.localdate()
    enrollment = _enrollment_for_today(request.user, on)
    if enrollment is None:
        return render(request, "program/today.html", {"enrollment": None, "on": on})
    cohort = enrollment.cohort
    around = ProgramDay.objects.filter(cohort=cohort)
    wanted = [
        *around.filter(date__lt=on).order_by("-date").values_list("pk", flat=True)[:1],
        *around.filter(date__gte=on).order_by("date").values_list("pk", flat=True)[:2],
    ]
    days = list(_days_for(request.user, around.filter(pk__in=wanted).order_by("date")))
    is_ta = enrollment.role == Role.TA
    why = pairs.reasons(cohort, until=max((d.date for d in days), default=None))
    for day in days:
        day.mine = next((g for g in day.groups.all() if any(m.pk == request.user.pk for m in g.members.all())), None)
        if day.mine:
            day.partners = [m for m in day.mine.members.all() if m.pk != request.user.pk]
            day.reason = why.get(day.mine.pk, "")
            room_id = day.mine.machine.room_id if day.mine.machine else None
            day.my_tas = [a.ta for a in day.ta_assignments.all() if a.room_id == room_id]
        day.duty = next((a.room for a in day.ta_assignments.all() if a.ta_id == request.user.pk), None)
        if day.duty:
            day.duty_groups = [g for g in day.groups.all() if g.machine and g.machine.room_id == day.duty.pk]
    by_date = {d.date: d for d in days}
    day = by_date.get(on)
    live = on == timezone.localdate() and day is not None and day.mine is not None
    return render(
        request,
        "program/today.html",
        {
            "enrollment": enrollment,
            "cohort": cohort,
            "is_ta": is_ta,
            "on": on,
            "day": day,
            "previous": next((d for d in days if d.date < on), None),
            "next": next((d for d in days if d.date > on), None),
            **(help_queue.box(day.mine) if live else {}),
        },
    )


class WithdrawForm(forms.Form):
    note = forms.CharField(label="Why", max_length=500)


@require_POST
@login_required
def withdraw_enrollment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A coordinator takes a person out of the cohort from tomorrow on (past days stay)."""
    cohort = _cohort(request, slug, edit=True)
    enrollment = get_object_or_404(Enrollment.objects.select_related("user"), pk=pk, cohort=cohort)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was changed. {errors_sentence(form)}")
        return redirect("program:cohort", slug=cohort.slug)
    try:
        done = enrollments.withdraw(enrollment, by=request.user, note=form.cleaned_data["note"])
    except TransitionNotAllowed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{enrollment.user.display_name} is withdrawn: out of {done['groups_left']} future pair group(s)"
            f" and {done['ta_duties_dropped']} TA duty day(s); past days stay. Regenerate the pairs from tomorrow.",
        )
    return redirect("program:cohort", slug=cohort.slug)
