"""ICS calendar feeds (icalendar): a person's program days with their partners, or a cohort's days."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from program.models import Cohort, Enrollment, PairGroup, ProgramDay, User

DAY_START, DAY_END = time(9, 0), time(17, 0)


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Runway//Schedules//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    return cal


def _day_event(day: ProgramDay, summary: str, description: str = "") -> Event:
    tz = zoneinfo.ZoneInfo(day.cohort.timezone)
    event = Event()
    event.add("uid", f"programday-{day.pk}@{settings.OUTBOUND_MESSAGE_ID_DOMAIN}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", datetime.combine(day.date, DAY_START, tzinfo=tz))
    event.add("dtend", datetime.combine(day.date, DAY_END, tzinfo=tz))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if day.cohort.location:
        event.add("location", day.cohort.location)
    return event


def cohort_feed(cohort: Cohort) -> bytes:
    cal = _calendar(cohort.name)
    for day in ProgramDay.objects.filter(cohort=cohort).select_related("cohort").order_by("date"):
        title = (
            f"{cohort.name} day {day.number}"
            + (f": {day.title}" if day.title else "")
            + (" (optional)" if day.is_optional else "")
        )
        cal.add_component(_day_event(day, title))
    cal.add_missing_timezones()
    return cal.to_ical()


def person_feed(user: User) -> bytes:
    cal = _calendar(f"Runway: {user.display_name}")
    cohorts = Enrollment.objects.filter(user=user, status=Enrollment.Status.ACTIVE).values_list("cohort_id", flat=True)
    partners: dict[int, list[str]] = {}
    for group in PairGroup.objects.filter(members=user, day__cohort_id__in=cohorts).prefetch_related("members"):
        partners[group.day_id] = [m.display_name for m in group.members.all() if m.pk != user.pk]
    for day in ProgramDay.objects.filter(cohort_id__in=cohorts).select_related("cohort").order_by("date"):
        title = f"{day.cohort.name} day {day.number}" + (f": {day.title}" if day.title else "")
        description = f"Pair with {' and '.join(partners[day.pk])}." if partners.get(day.pk) else ""
        cal.add_component(_day_event(day, title, description))
    cal.add_missing_timezones()
    return cal.to_ical()
