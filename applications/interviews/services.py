"""Interviews: slots, booking (self-service or automatic matching), calendar invitations, scorecards."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from applications import outbox
from applications.models import (
    Application,
    ApplicationState,
    Call,
    CallKind,
    ConflictOfInterest,
    Interview,
    InterviewAvailability,
    InterviewSlot,
)
from applications.services import transition_application
from program.models import User
from program.scheduling import solve
from program.statemachine import StateMachine, TransitionNotAllowed, change_state


class InterviewError(Exception):
    pass


V = Interview.State
# A scheduled interview ends one way: completed (its outcome recorded once it has started), a no-show
# (only after its end), or cancelled. Rescheduling keeps it scheduled (a new slot, a higher SEQUENCE).
TRANSITIONS: dict[str, frozenset[str]] = {
    V.SCHEDULED: frozenset({V.COMPLETED, V.NO_SHOW, V.CANCELLED}),
    V.COMPLETED: frozenset(),
    V.NO_SHOW: frozenset(),
    V.CANCELLED: frozenset(),
}
INTERVIEWS = StateMachine(model=Interview, states=V, transitions=TRANSITIONS, noun="interview", timestamp_field=None)


def open_slots(now=None):
    """Future slots with no live interview."""
    now = now or timezone.now()
    return (
        InterviewSlot.objects.filter(starts_at__gt=now)
        .exclude(interviews__state=Interview.State.SCHEDULED)
        .select_related("interviewer")
    )


def calendar_for(interview: Interview, *, cancel: bool = False) -> str:
    """The invitation as iCalendar text, times in the applicant's own time zone."""
    applicant = interview.application.applicant
    tz = zoneinfo.ZoneInfo(applicant.timezone or "UTC")
    start = interview.slot.starts_at.astimezone(tz)
    cal = Calendar()
    cal.add("prodid", "-//Runway//Interviews//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", f"interview-{interview.pk}@{settings.OUTBOUND_MESSAGE_ID_DOMAIN}")
    event.add("sequence", interview.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=interview.slot.minutes))
    event.add("summary", f"Interview: {interview.application.call.name}")
    event.add(
        "description",
        f"Interview with {interview.interviewer.display_name} about your application #{interview.application_id}.",
    )
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{interview.interviewer.email}")
    organizer.params["cn"] = vText(interview.interviewer.display_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{applicant.email}")
    attendee.params["cn"] = vText(applicant.display_name)
    event.add("attendee", attendee)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical().decode()


def _notify(interview: Interview, kind: str, *, cancel: bool = False) -> None:
    outbox.queue_email(
        kind,
        to=interview.application.applicant.email,
        context={
            "interview": interview,
            "application": interview.application,
            "name": interview.application.applicant.display_name,
            "local_start": interview.slot.starts_at.astimezone(
                zoneinfo.ZoneInfo(interview.application.applicant.timezone or "UTC")
            ),
        },
        idempotency_key=f"{kind}:{interview.pk}:{interview.sequence}",
        application=interview.application,
        calendar=calendar_for(interview, cancel=cancel),
    )


def book(application: Application, slot: InterviewSlot, *, by: User) -> Interview:
    """Book an invited applicant into a free slot; the slot is locked so it is never given twice."""
    if application.state != ApplicationState.INTERVIEW:
        raise InterviewError("Only applications invited to interview can book a slot.")
    if ConflictOfInterest.objects.filter(application=application, reviewer_id=slot.interviewer_id).exists():
        raise InterviewError("That interviewer has a conflict of interest with this application.")
    try:
        with transaction.atomic():
            InterviewSlot.objects.select_for_update().get(pk=slot.pk)
            if Interview.objects.filter(slot=slot, state=Interview.State.SCHEDULED).exists():
                raise InterviewError("That slot was just taken; please pick another.")
            interview = Interview.objects.create(application=application, slot=slot, interviewer=slot.interviewer)
            _notify(interview, "interview-scheduled")
    except IntegrityError:
        raise InterviewError("You already have an interview booked, or the slot was just taken.") from None
    return interview


def cancel(interview: Interview, *, by: User) -> Interview:
    """Cancel a scheduled interview (once: a claim from `scheduled`) and send the calendar cancellation."""
    with transaction.atomic():
        won = change_state(
            interview, to=V.CANCELLED, by=by, machine=INTERVIEWS, claim_from=V.SCHEDULED,
            fields={"sequence": interview.sequence + 1}, note="cancelled",
        )  # fmt: skip
        if won is not None:
            interview.refresh_from_db()
            _notify(interview, "interview-cancelled", cancel=True)
    return interview


def reschedule(interview: Interview, slot: InterviewSlot, *, by: User) -> Interview:
    """A new slot for the same interview: the calendar entry is updated (same UID, higher SEQUENCE)."""
    with transaction.atomic():
        InterviewSlot.objects.select_for_update().get(pk=slot.pk)
        if Interview.objects.filter(slot=slot, state=Interview.State.SCHEDULED).exclude(pk=interview.pk).exists():
            raise InterviewError("That slot is taken.")
        interview.slot, interview.interviewer, interview.sequence = slot, slot.interviewer, interview.sequence + 1
        interview.save(update_fields=["slot", "interviewer", "sequence"])
        _notify(interview, "interview-scheduled")
    return interview


def record_outcome(
    interview: Interview,
    *,
    by: User | None = None,
    no_show: bool = False,
    score: int | None = None,
    recommendation: str = "",
    notes: str = "",
    now=None,
) -> Interview:
    """The interviewer's scorecard (completed, once the interview has started) or a no-show (only after
    its end). Only a scheduled interview gets an outcome; the row is locked and the move recorded."""
    now = now or timezone.now()
    slot = interview.slot
    ends_at = slot.starts_at + timedelta(minutes=slot.minutes)
    if no_show and now < ends_at:
        raise InterviewError(f"A no-show can be recorded only after the interview has ended ({_clock(ends_at)}).")
    if not no_show and now < slot.starts_at:
        raise InterviewError(f"The outcome can be recorded once the interview has started ({_clock(slot.starts_at)}).")
    fields = {"notes": notes, "scored_at": now}
    if not no_show:
        if score is None or not 1 <= score <= 5:
            raise InterviewError("Give a score from 1 to 5.")
        fields |= {"score": score, "recommendation": recommendation}
    to = V.NO_SHOW if no_show else V.COMPLETED
    try:
        return change_state(interview, to=to, by=by, machine=INTERVIEWS, fields=fields, note=f"outcome: {to.label}")
    except TransitionNotAllowed as exc:
        raise InterviewError(str(exc)) from None


def _clock(at) -> str:
    return timezone.localtime(at).strftime("%a %d %b, %H:%M %Z")


def matching_instance(call: Call, *, max_per_day: int | None = None) -> tuple[dict, dict, dict]:
    """The call's invited applicants, their stated availability and the open slots, in the scheduling
    engine's `interview` format (shared/scheduling/FORMAT.md)."""
    max_per_day = max_per_day or settings.INTERVIEWS_PER_DAY_CAP
    slots = {str(s.pk): s for s in open_slots()}
    applications = list(
        Application.objects.filter(call=call, state=ApplicationState.INTERVIEW).exclude(
            interviews__state=Interview.State.SCHEDULED
        )
    )
    availability: dict[int, list[str]] = {}
    for app_id, slot_id in InterviewAvailability.objects.filter(application__in=applications).values_list(
        "application_id", "slot_id"
    ):
        if str(slot_id) in slots:
            availability.setdefault(app_id, []).append(str(slot_id))
    by_interviewer: dict[int, list[str]] = {}
    for slot_id, slot in slots.items():
        by_interviewer.setdefault(slot.interviewer_id, []).append(slot_id)
    track = "grant" if call.kind == CallKind.GRANT else "bootcamp"
    instance = {
        "kind": "interview",
        "id": f"interview-{call.slug}",
        "seed": 0,
        "slots": [
            {
                "id": sid,
                "day": s.starts_at.date().isoformat(),
                "start": s.starts_at.strftime("%H:%M"),
                "minutes": s.minutes,
            }
            for sid, s in slots.items()
        ],
        "interviewers": [
            {
                "id": str(i),
                "available": ids,
                "tracks": ["bootcamp", "grant"],
                "max_total": 10**6,
                "max_per_day": max_per_day,
            }
            for i, ids in by_interviewer.items()
        ],
        "applicants": [
            {"id": str(a.pk), "available": availability.get(a.pk, []), "track": track} for a in applications
        ],
        "conflicts": [
            [str(a), str(r)]
            for a, r in ConflictOfInterest.objects.filter(application__in=applications).values_list(
                "application_id", "reviewer_id"
            )
        ],
        "options": {"interviews_per_applicant": 1},
    }
    return instance, {str(a.pk): a for a in applications}, slots


def auto_match(call: Call, *, by: User) -> tuple[list[Interview], dict]:
    """Book as many invited applicants as possible into slots they said they could make."""
    instance, applications, slots = matching_instance(call)
    schedule = solve(instance)
    booked = []
    for item in schedule["interviews"]:
        try:
            booked.append(book(applications[item["applicant"]], slots[item["slot"]], by=by))
        except InterviewError:
            continue  # taken since the instance was built; the next run will place them
    return booked, schedule["meta"]


def invite(application: Application, *, by: User) -> None:
    """Move an application to the interview stage and email the applicant their booking link."""
    with transaction.atomic():
        transition_application(application, to=ApplicationState.INTERVIEW, by=by, note="invited to interview")
        outbox.queue_email(
            "interview-invitation",
            to=application.applicant.email,
            context={"application": application, "name": application.applicant.display_name},
            idempotency_key=f"interview-invite:{application.pk}",
            application=application,
        )
