"""The demo cohort, in its second week: people with varied skills and backgrounds, the demo curriculum
mapped onto the days, rooms and lab machines, pairs and TAs, lectures titled from the curriculum and
given by TAs, pair-programming blocks, absences, daily feedback and a few end-of-program surveys."""

from __future__ import annotations

import random
from datetime import time, timedelta
from pathlib import Path

from django.utils import timezone

from demo.people import name, person
from grants.alumni import table as alumni
from grants.models import AlumniProfile
from program.cohorts import curriculum, pairs, schedule, staffing
from program.feedback import answers as feedback
from program.models import Absence, CalendarFeed, Cohort, DoNotPair, Enrollment, LabMachine, PairGroup, Role, Room, User
from program.services import enroll, generate_program_days

CURRICULUM_FILE = Path(__file__).resolve().parent / "curriculum" / "curriculum.toml"
# `make run` starts lab agents on these ports with this token (scripts/run-local.sh).
DEMO_AGENT_PORTS = (8751, 8752)
DEMO_AGENT_TOKEN = "runway-demo-lab-agent-token"
BACKGROUNDS = ["student", "professional", "professional", "student", "professional"]
TA_TOPICS = ["pytorch, autograd", "transformers, interpretability", "rl, optimization", "cnn, capstone"]


def build_cohort(copy: int, suffix: str, label: str, rng: random.Random) -> tuple[Cohort, bool]:
    """The cohort, started last Monday (so it is in its second week), with its people. Returns it and
    whether it was new (a second run finds it and changes nothing)."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday() + 7)
    cohort, created = Cohort.objects.get_or_create(
        slug=f"mlab3{suffix}",
        defaults={
            "name": f"MLAB3{label}",
            "starts_on": monday,
            "ends_on": monday + timedelta(days=19),  # three weeks, ending on the third Saturday
            "timezone": "Europe/London",
            "optional_saturdays": True,
            "location": "London, Lab 2",
        },
    )
    if not created:
        return cohort, False
    generate_program_days(cohort)
    for i in range(1, 5):
        ta = person(f"ta{i}{suffix}@runway.test", name(100 + i + 10 * copy))
        enrollment = enroll(cohort, ta, role=Role.TA)
        Enrollment.objects.filter(pk=enrollment.pk).update(topics=TA_TOPICS[i - 1], max_days=12)
    for i in range(1, 33):
        participant = person(f"participant{i:02d}{suffix}@runway.test", name(i + 40 * copy))
        enrollment = enroll(cohort, participant, role=Role.PARTICIPANT)
        Enrollment.objects.filter(pk=enrollment.pk).update(
            skill=1 + (i * 3 + rng.randint(0, 2)) % 5, background=BACKGROUNDS[i % len(BACKGROUNDS)], remote=i % 11 == 0
        )
    return cohort, True


def build_schedule(cohort: Cohort, rng: random.Random) -> None:
    """Curriculum, rooms, machines (served by the demo agents), absences, pairs, TAs and sessions."""
    imported, _counts = curriculum.import_curriculum(curriculum.load_file(CURRICULUM_FILE))
    curriculum.map_program_days(cohort, imported)
    rooms = [Room.objects.get_or_create(name=n, defaults={"pairs_per_ta": 4})[0] for n in ("Lab A", "Lab B")]
    for i in range(1, 17):
        LabMachine.objects.get_or_create(
            name=f"demo-gpu{i:02d}",
            defaults={
                "url": f"http://127.0.0.1:{DEMO_AGENT_PORTS[i % len(DEMO_AGENT_PORTS)]}",
                "token": DEMO_AGENT_TOKEN,
                "room": rooms[i % 2],
            },
        )
    days = list(cohort.days.select_related("curriculum_day").order_by("date"))
    _absences(cohort, days, rng)
    first, second = User.objects.filter(enrollments__cohort=cohort, enrollments__role=Role.PARTICIPANT).order_by("pk")[
        4:6
    ]
    DoNotPair.objects.get_or_create(cohort=cohort, first=first, second=second)  # asked for by the coordinator
    pairs.generate(cohort, from_day=days[0].date)
    staffing.assign_tas(cohort, from_day=days[0].date)
    _sessions(cohort, days, rooms)


def _absences(cohort: Cohort, days: list, rng: random.Random) -> None:
    participants = list(Enrollment.objects.filter(cohort=cohort, role=Role.PARTICIPANT).order_by("pk"))
    tas = list(Enrollment.objects.filter(cohort=cohort, role=Role.TA).order_by("pk"))
    weekdays = [d for d in days if not d.is_optional]
    for enrollment, day in [(participants[3], weekdays[2]), (participants[17], weekdays[8]), (tas[1], weekdays[6])]:
        Absence.objects.get_or_create(enrollment=enrollment, day=day)
    for day in days:
        if day.is_optional:  # optional Saturdays: about half the cohort stays home
            for enrollment in rng.sample(participants, 14):
                Absence.objects.get_or_create(enrollment=enrollment, day=day)


def _sessions(cohort: Cohort, days: list, rooms: list[Room]) -> None:
    """Each weekday: the curriculum's lectures (09:30, given by the TA whose topics match), then pair
    programming (10:45–17:00); optional Saturdays a reading block with the day's readings."""
    tas = list(Enrollment.objects.filter(cohort=cohort, role=Role.TA).select_related("user").order_by("user__email"))
    for number, day in enumerate(days):
        if day.is_optional:
            schedule.add_session(
                day, title="Reading and catch-up", starts=time(10, 0), ends=time(13, 0), kind="reading", room=rooms[1]
            )
            continue
        lectures = day.curriculum_day.lectures if day.curriculum_day else []
        topic = day.curriculum_day.topic if day.curriculum_day else ""
        speaker = next((e.user for e in tas if topic and topic in e.topics), tas[number % len(tas)].user)
        slots = (
            [(time(9, 30), time(10, 30))]
            if len(lectures) < 2
            else [(time(9, 0), time(9, 45)), (time(9, 50), time(10, 35))]
        )
        for title, (starts, ends) in zip(lectures, slots):
            schedule.add_session(
                day,
                title=title.partition(" (after ")[0],
                starts=starts,
                ends=ends,
                speaker=speaker,
                room=rooms[0],
                link=(day.curriculum_day.readings or [{}])[0].get("url", ""),
            )
        schedule.add_session(
            day, title="Pair programming", starts=time(10, 45), ends=time(17, 0), kind="pairing", room=rooms[1]
        )


def build_past_cohort(organizer: User) -> None:
    """MLAB2, which ended in the summer: its participants are alumni (one marked of interest for hiring,
    with an organizer's note, another with their current role)."""
    today = timezone.localdate()
    past, created = Cohort.objects.get_or_create(
        slug="mlab2",
        defaults={
            "name": "MLAB2",
            "starts_on": today - timedelta(days=180),
            "ends_on": today - timedelta(days=160),
            "timezone": "Europe/London",
            "location": "London, Lab 2",
        },
    )
    if not created:
        return
    generate_program_days(past)
    people = [person(f"alumnus{i}@runway.test", name(300 + i)) for i in range(1, 7)]
    for alumnus in people:
        enroll(past, alumnus, role=Role.PARTICIPANT)
    alumni.set_of_interest(people[0], True)
    alumni.add_note(people[0], "Strong on interpretability; ask about the evals team in spring.", by=organizer)
    AlumniProfile.objects.update_or_create(
        user=people[1], defaults={"current_role": "Research engineer", "current_organisation": "An AI-safety lab"}
    )


def build_calendar_feeds(cohort: Cohort) -> None:
    CalendarFeed.objects.get_or_create(cohort=cohort)
    CalendarFeed.objects.get_or_create(user=User.objects.get(email="participant01@runway.test"))


def build_feedback(cohort: Cohort, rng: random.Random) -> None:
    """Daily feedback from most people on every day so far, with a few comments; five surveys."""
    today = timezone.localdate()
    comments = [
        "The einsum exercises finally made it click.",
        "Too much time on setup today.",
        "Great pairing, we explained things to each other a lot.",
        "The lecture went too fast for me.",
        "",
        "",
    ]
    people = list(User.objects.filter(enrollments__cohort=cohort, enrollments__role=Role.PARTICIPANT).order_by("pk"))
    tas = list(User.objects.filter(enrollments__cohort=cohort, enrollments__role=Role.TA).order_by("pk"))
    for day in cohort.days.filter(date__lte=today, is_optional=False).order_by("date"):
        for person_ in rng.sample(people, 24) + tas[:2]:
            feedback.submit_day(
                person_,
                day,
                {
                    "how_went": rng.randint(3, 5),
                    "difficulty": rng.randint(2, 5),
                    "pair_experience": rng.randint(2, 5),
                    "lecture_usefulness": rng.randint(2, 5),
                    "text": rng.choice(comments),
                },
            )
    for person_ in people[:5]:
        feedback.submit_survey(
            person_,
            cohort,
            {
                "overall": rng.randint(4, 5),
                "recommend": rng.randint(7, 10),
                "surprised": "How much I learned from explaining things to my pair.",
                "change": "More time for the transformer days.",
            },
        )


def groups_of_today(cohort: Cohort):
    return PairGroup.objects.filter(day__cohort=cohort, day__date=timezone.localdate())
