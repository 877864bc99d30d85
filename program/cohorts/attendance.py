"""Attendance from activity: a participant counts as present on a day when a report their pair's
machine served was received that day (in the cohort's time zone), or when a TA marks them; a TA
confirms the whole day on one screen (suggested states, one button, exceptions changed by hand).

- People who joined after the day (`enrolled_at`) are not listed for it: never absent before joining.
- Absent (excused or not) is also an `Absence` row, which pairing and the feedback response rates
  read; marking someone present again removes it. Today's pairs are not re-made here (the same-day
  absence action does that).
- The first time someone is confirmed absent without excuse on a day, `missed_day` is sent; the mail
  side turns it into one "we missed you" email per day and person (its idempotency key).
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from program.models import Absence, Attendance, Enrollment, LabReport, PairGroup, ProgramDay, Role, User

A = Attendance.State
# Sent after the confirmation commits, with `day` and `people` (users newly absent without excuse).
missed_day = Signal()


def _bounds(day: ProgramDay) -> tuple[datetime, datetime]:
    zone = zoneinfo.ZoneInfo(day.cohort.timezone)
    start = datetime.combine(day.date, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)


def active_user_ids(day: ProgramDay) -> set[int]:
    """People in a pair whose machine served a report received that day."""
    start, end = _bounds(day)
    groups = LabReport.objects.filter(group__day=day, received_at__gte=start, received_at__lt=end).values("group_id")
    return set(PairGroup.members.through.objects.filter(pairgroup_id__in=groups).values_list("user_id", flat=True))


def day_sheet(day: ProgramDay) -> list[dict]:
    """One row per participant enrolled by that day: the suggested (or confirmed) state and why."""
    _, end = _bounds(day)
    enrollments = list(
        Enrollment.objects.filter(cohort=day.cohort_id, role=Role.PARTICIPANT, status=Enrollment.Status.ACTIVE,
                                  enrolled_at__lt=end).select_related("user").order_by("user__full_name", "pk")
    )  # fmt: skip
    confirmed = {a.enrollment_id: a for a in Attendance.objects.filter(day=day).select_related("confirmed_by")}
    away = set(Absence.objects.filter(day=day).values_list("enrollment_id", flat=True))
    active = active_user_ids(day)
    rows = []
    for enrollment in enrollments:
        if enrollment.pk in confirmed:
            row = confirmed[enrollment.pk]
            state, why = row.state, f"confirmed by {row.confirmed_by.display_name if row.confirmed_by else 'a TA'}"
        elif enrollment.user_id in active:
            state, why = A.PRESENT, "their machine reported that day"
        elif enrollment.pk in away:
            state, why = A.EXCUSED, "absence entered beforehand"
        else:
            state, why = A.UNEXCUSED, "no activity seen"
        rows.append({"enrollment": enrollment, "state": state, "why": why, "confirmed": enrollment.pk in confirmed})
    return rows


def confirm(day: ProgramDay, states: dict[int, str], *, by: User | None) -> dict[str, int]:
    """Record the day's attendance ({enrollment id: state}); returns counts per state. Suggestions
    confirmed unchanged keep the source "activity"; changed ones are "ta"."""
    sheet = {row["enrollment"].pk: row for row in day_sheet(day)}
    counts = dict.fromkeys(A.values, 0)
    newly_missed: list[User] = []
    with transaction.atomic():
        existing = {a.enrollment_id: a for a in Attendance.objects.select_for_update().filter(day=day)}
        for enrollment_id, state in states.items():
            row = sheet.get(enrollment_id)
            if row is None or state not in A.values:
                continue
            source = (
                Attendance.Source.ACTIVITY if state == row["state"] and not row["confirmed"] else Attendance.Source.TA
            )
            before = existing.get(enrollment_id)
            Attendance.objects.update_or_create(enrollment_id=enrollment_id, day=day, defaults={
                "state": state, "source": source if before is None or before.state != state else before.source,
                "confirmed_by": by, "confirmed_at": timezone.now(),
            })  # fmt: skip
            if state == A.PRESENT:
                Absence.objects.filter(enrollment_id=enrollment_id, day=day).delete()
            else:
                Absence.objects.get_or_create(enrollment_id=enrollment_id, day=day)
            if state == A.UNEXCUSED and (before is None or before.state != A.UNEXCUSED):
                newly_missed.append(row["enrollment"].user)
            counts[state] += 1
        if newly_missed:
            transaction.on_commit(lambda: missed_day.send(sender=Attendance, day=day, people=newly_missed))
    return counts
