"""Sessions of a program day (lectures, reading blocks, pair-programming blocks, office hours) and the
lecture-planning helper.

A speaker or a room is never in two sessions at once, across every cohort: `add_session` locks the
room's and the speaker's rows, then looks for an overlap, so two coordinators booking the same room at
the same moment cannot both succeed.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time

from django.db import transaction
from django.utils import timezone

from program.models import Cohort, Enrollment, ProgramDay, Role, Room, Session, User
from program.scheduling import Conflict, solve

SLOT_TIMES = {"am": (time(9, 30), time(10, 30)), "pm": (time(14, 0), time(15, 0))}


class ScheduleConflict(ValueError):
    """A clear, human sentence saying what the new session collides with."""


def _clock(session: Session, tz: zoneinfo.ZoneInfo) -> str:
    return f"{session.starts_at.astimezone(tz):%H:%M}–{session.ends_at.astimezone(tz):%H:%M}"


def add_session(
    day: ProgramDay,
    *,
    title: str,
    starts: time,
    ends: time,
    kind: str = Session.Kind.LECTURE,
    speaker: User | None = None,
    room: Room | None = None,
    link: str = "",
) -> Session:
    """Book a session on a day, in the cohort's time zone; refuse a double-booked speaker or room."""
    tz = zoneinfo.ZoneInfo(day.cohort.timezone)
    starts_at, ends_at = datetime.combine(day.date, starts, tzinfo=tz), datetime.combine(day.date, ends, tzinfo=tz)
    if ends_at <= starts_at:
        raise ScheduleConflict("A session has to end after it starts.")
    if not title.strip():
        raise ScheduleConflict("Give the session a title.")
    with transaction.atomic():
        if room is not None:
            Room.objects.select_for_update().filter(pk=room.pk).first()
        if speaker is not None:
            User.objects.select_for_update().filter(pk=speaker.pk).first()
        overlapping = Session.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).select_related(
            "day__cohort", "room", "speaker"
        )
        for other in overlapping:
            where = f"“{other.title}” ({other.day.cohort.name} day {other.day.number}, {_clock(other, tz)})"
            if room is not None and other.room_id == room.pk:
                raise ScheduleConflict(f"{room.name} is already booked then: {where}.")
            if speaker is not None and other.speaker_id == speaker.pk:
                raise ScheduleConflict(f"{speaker.display_name} is already speaking then: {where}.")
        return Session.objects.create(
            day=day,
            kind=kind,
            title=title.strip(),
            speaker=speaker,
            room=room,
            starts_at=starts_at,
            ends_at=ends_at,
            link=link,
        )


@dataclass
class PlannedLecture:
    title: str
    day: ProgramDay
    slot: str
    speaker: User
    due_day: ProgramDay


def lecture_instance(cohort: Cohort, days: list[ProgramDay], lead_days: int = 3) -> tuple[dict, dict]:
    """A `lecture` instance from the curriculum: each day's lecture topics are due that day (the day its
    exercises need them), may come up to `lead_days` program days earlier, and are given by a TA whose
    topics include the day's topic (any TA where none does), on days the TA is not absent. A lecture
    topic written as "B (after A)" must follow lecture A. Returns the instance and a lookup of its ids."""
    tas = list(
        Enrollment.objects.filter(cohort=cohort, role=Role.TA, status=Enrollment.Status.ACTIVE)
        .select_related("user")
        .prefetch_related("absences")
        .order_by("user_id")
    )
    day_key = {d.pk: f"d{d.number:02d}" for d in days}
    away = {e.pk: {a.day_id for a in e.absences.all()} for e in tas}
    lecturers = [
        {
            "id": f"L{e.user_id}",
            "available": [day_key[d.pk] for d in days if d.pk not in away[e.pk]],
            "max_total": e.max_days or len(days),
        }
        for e in tas
    ]
    lectures, lookup, by_title = [], {"lectures": {}, "days": {}, "lecturers": {}}, {}
    for index, day in enumerate(days):
        if day.curriculum_day is None:
            continue
        topic = day.curriculum_day.topic
        qualified = [f"L{e.user_id}" for e in tas if topic and topic.lower() in _topics(e)] or [
            f"L{e.user_id}" for e in tas
        ]
        for position, raw in enumerate(day.curriculum_day.lectures):
            title, _, after = str(raw).partition(" (after ")
            lecture_id = f"lec{day.number:02d}{position:02d}"
            by_title[title.strip()] = lecture_id
            lectures.append(
                {
                    "id": lecture_id,
                    "earliest_day": day_key[days[max(0, index - lead_days)].pk],
                    "due_day": day_key[day.pk],
                    "lecturers": qualified,
                    "prerequisites": [after.rstrip(")").strip()] if after else [],
                }
            )
            lookup["lectures"][lecture_id] = (title.strip(), day)
    for item in lectures:
        item["prerequisites"] = [by_title[t] for t in item["prerequisites"] if t in by_title]
    lookup["days"] = {day_key[d.pk]: d for d in days}
    lookup["lecturers"] = {f"L{e.user_id}": e.user for e in tas}
    instance = {
        "kind": "lecture",
        "id": f"lecture-{cohort.slug}",
        "days": [day_key[d.pk] for d in days],
        "slots_per_day": list(SLOT_TIMES),
        "lecturers": lecturers,
        "lectures": lectures,
        "options": {"one_lecture_per_slot": True, "lecturer_max_per_day": 1},
    }
    return instance, lookup


def _topics(enrollment: Enrollment) -> set[str]:
    return {t.strip().lower() for t in enrollment.topics.split(",") if t.strip()}


@dataclass
class Unplaced:
    title: str
    due_day: ProgramDay
    reason: str


def plannable_days(cohort: Cohort, days: list[ProgramDay], now=None) -> list[ProgramDay]:
    """Days the planner may still use: the days after today, and today while its first slot is ahead."""
    now = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(cohort.timezone))
    first_slot = min(start for start, _ in SLOT_TIMES.values())
    return [d for d in days if d.date > now.date() or (d.date == now.date() and now.time() < first_slot)]


def blocked_slots(cohort: Cohort, days: list[ProgramDay]) -> list[list[str]]:
    """(day, slot) pairs that overlap a session the cohort already has (a pair-programming block, a
    booked lecture): the planner never puts a lecture over them."""
    tz = zoneinfo.ZoneInfo(cohort.timezone)
    sessions = {}
    for session in Session.objects.filter(day__in=days).only("day_id", "starts_at", "ends_at"):
        sessions.setdefault(session.day_id, []).append(session)
    blocked = []
    for day in days:
        for slot, (start, end) in SLOT_TIMES.items():
            starts, ends = datetime.combine(day.date, start, tzinfo=tz), datetime.combine(day.date, end, tzinfo=tz)
            if any(s.starts_at < ends and s.ends_at > starts for s in sessions.get(day.pk, [])):
                blocked.append([f"d{day.number:02d}", slot])
    return blocked


def plan_lectures(cohort: Cohort, now=None) -> tuple[list[PlannedLecture], dict, list[Unplaced]]:
    """Place the curriculum's lectures with the engine (the same function `python -m program.scheduling`
    runs), from now on only, never over another session of the cohort. Lectures whose due day has
    passed, or that no free slot and lecturer can take, are returned as unplaced with the reason."""
    all_days = list(ProgramDay.objects.filter(cohort=cohort).select_related("curriculum_day").order_by("date"))
    ahead = plannable_days(cohort, all_days, now)
    unplaced = [
        Unplaced(
            str(raw).partition(" (after ")[0].strip(), d, "its day has passed; the planner does not plan into the past"
        )
        for d in all_days
        if d not in ahead and d.curriculum_day
        for raw in d.curriculum_day.lectures
    ]
    if not ahead:
        return [], {}, unplaced
    instance, lookup = lecture_instance(cohort, ahead)
    instance["options"]["blocked_slots"] = blocked_slots(cohort, ahead)
    schedule = _solve_dropping_the_impossible(instance, lookup, unplaced)
    if schedule is None:
        return [], {}, unplaced
    plan = [
        PlannedLecture(
            title=lookup["lectures"][lecture_id][0],
            day=lookup["days"][placed["day"]],
            slot=placed["slot"],
            speaker=lookup["lecturers"][placed["lecturer"]],
            due_day=lookup["lectures"][lecture_id][1],
        )
        for lecture_id, placed in schedule["lectures"].items()
    ]
    plan.sort(key=lambda p: (p.day.date, p.slot))
    return plan, schedule["meta"], unplaced


def _solve_dropping_the_impossible(instance: dict, lookup: dict, unplaced: list[Unplaced]) -> dict | None:
    """Solve; when the engine proves no plan exists, it names the rules that conflict: the last lecture
    they name (and what must follow it) is reported unplaced with those rules in words, and the rest is
    solved again."""
    instance["options"]["time_limit_s"] = 5  # a page: the explanation may be a little less than minimal
    while instance["lectures"]:
        try:
            return solve(instance)
        except Conflict as exc:
            named = [r.subject[-1] for r in (exc.conflicts or [[]])[0] if r.kind in ("due", "earliest", "prerequisite")]
            failed = max(named, default=None)
            if failed is None:
                raise
            reason = "the plan cannot keep all of: " + "; ".join(_in_words(r.text, lookup) for r in exc.conflicts[0])
            drop = {failed} | {x["id"] for x in instance["lectures"] if failed in x.get("prerequisites", [])}
            for lecture_id in sorted(drop):
                title, day = lookup["lectures"][lecture_id]
                because = reason if lecture_id == failed else f"it must follow “{lookup['lectures'][failed][0]}”"
                unplaced.append(Unplaced(title, day, because))
            instance["lectures"] = [x for x in instance["lectures"] if x["id"] not in drop]
    return None


def _in_words(text: str, lookup: dict) -> str:
    """An engine rule with the lecture's title, the lecturer's name and the program day."""

    def word(match: re.Match) -> str:
        token = match.group(0)
        if token in lookup["lectures"]:
            return f"“{lookup['lectures'][token][0]}”"
        if token in lookup["lecturers"]:
            return lookup["lecturers"][token].display_name
        if token in lookup["days"]:
            return f"day {lookup['days'][token].number}"
        return token

    return re.sub(r"\b(lec\d+|L\d+|d\d+)\b", word, text).replace("lecturer ", "")


def book_plan(plan: list[PlannedLecture], room: Room | None) -> tuple[list[Session], list[str]]:
    """Create the planned lectures as sessions; anything double-booked is reported, the rest is booked."""
    booked, refused = [], []
    for item in plan:
        starts, ends = SLOT_TIMES[item.slot]
        try:
            booked.append(
                add_session(item.day, title=item.title, starts=starts, ends=ends, speaker=item.speaker, room=room)
            )
        except ScheduleConflict as exc:
            refused.append(f"{item.title}: {exc}")
    return booked, refused
