"""Who is where on a program day: each group's lab machine, and TAs on duty per room.

Machines: every group of a day gets an active lab machine that no other group (of any cohort) uses that
day; a group keeps the machine it already has. TAs: the engine's `ta` kind (min-cost max flow, the same
function `python -m program.scheduling` runs) places TAs in the rooms where that day's groups work, one TA
wanted per `room.pairs_per_ta` groups, at most one room per TA per day, within each TA's maximum days,
preferring TAs whose topics match the day's topic. Past days are never touched.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

from django.db import transaction
from django.utils import timezone

from program.models import Cohort, Enrollment, LabMachine, PairGroup, ProgramDay, Role, Room, TAAssignment
from program.scheduling import solve


def assign_machines(days: list[ProgramDay]) -> int:
    """Give every group of these days a free machine; returns how many groups are still without one."""
    machines = list(LabMachine.objects.filter(active=True).order_by("room__name", "name"))
    used: dict = {}
    for on, machine_id in PairGroup.objects.filter(
        day__date__in=[d.date for d in days], machine__isnull=False
    ).values_list("day__date", "machine_id"):
        used.setdefault(on, set()).add(machine_id)
    waiting = PairGroup.objects.filter(day__in=days, machine__isnull=True).select_related("day").order_by("workspace")
    assigned, missing = [], 0
    for group in waiting:
        taken = used.setdefault(group.day.date, set())
        machine = next((m for m in machines if m.pk not in taken), None)
        if machine is None:
            missing += 1
            continue
        taken.add(machine.pk)
        group.machine = machine
        assigned.append(group)
    PairGroup.objects.bulk_update(assigned, ["machine"])
    return missing


def set_machine(group: PairGroup, machine: LabMachine | None) -> None:
    """The coordinator moves a group to another machine (refused when someone else has it that day)."""
    if machine is not None:
        taken = (
            PairGroup.objects.filter(day__date=group.day.date, machine=machine)
            .exclude(pk=group.pk)
            .select_related("day__cohort")
            .first()
        )
        if taken:
            raise ValueError(f"{machine.name} is already used by {taken.workspace} that day.")
    group.machine = machine
    group.save(update_fields=["machine"])


def demand(days: list[ProgramDay]) -> dict[str, dict[str, int]]:
    """TAs wanted per room-day: one per `pairs_per_ta` groups working in the room's machines."""
    counts = Counter(
        PairGroup.objects.filter(day__in=days, machine__room__isnull=False).values_list("day_id", "machine__room_id")
    )
    per_ta = dict(Room.objects.values_list("pk", "pairs_per_ta"))
    wanted: dict[str, dict[str, int]] = {}
    number = {d.pk: d.number for d in days}
    for (day_pk, room_pk), groups in counts.items():
        wanted.setdefault(f"d{number[day_pk]:02d}", {})[f"r{room_pk}"] = math.ceil(groups / max(1, per_ta[room_pk]))
    return wanted


def ta_instance(cohort: Cohort, days: list[ProgramDay]) -> dict:
    tas = list(
        Enrollment.objects.filter(cohort=cohort, role=Role.TA, status=Enrollment.Status.ACTIVE)
        .prefetch_related("absences")
        .order_by("user_id")
    )
    away = {e.pk: {a.day_id for a in e.absences.all()} for e in tas}
    wanted = demand(days)
    rooms = sorted({room for per_day in wanted.values() for room in per_day})
    return {
        "kind": "ta",
        "id": f"ta-{cohort.slug}",
        "days": [f"d{d.number:02d}" for d in days],
        "rooms": [{"id": r, "pairs": 0} for r in rooms],
        "day_topics": {
            f"d{d.number:02d}": d.curriculum_day.topic.lower()
            for d in days
            if d.curriculum_day and d.curriculum_day.topic
        },
        "demand": wanted,
        "tas": [
            {
                "id": f"t{e.user_id}",
                "available": [f"d{d.number:02d}" for d in days if d.pk not in away[e.pk]],
                "max_days": e.max_days or len(days),
                "topics": sorted({t.strip().lower() for t in e.topics.split(",") if t.strip()}),
            }
            for e in tas
        ],
        "options": {"max_rooms_per_ta_per_day": 1},
    }


def assign_tas(cohort: Cohort, *, from_day: date | None = None) -> dict:
    """(Re)assign TAs for the days from `from_day` (default today) on; returns the engine's figures."""
    from_day = from_day or timezone.localdate()
    days = list(
        ProgramDay.objects.filter(cohort=cohort, date__gte=from_day).select_related("curriculum_day").order_by("date")
    )
    if not days:
        return {}
    instance = ta_instance(cohort, days)
    if not instance["demand"]:
        return {"coverage_fraction": 1.0, "coverage_upper_bound": 1.0, "unfilled_slots": 0}
    schedule = solve(instance)
    by_key = {f"d{d.number:02d}": d for d in days}
    with transaction.atomic():
        TAAssignment.objects.filter(day__in=days).delete()
        TAAssignment.objects.bulk_create(
            TAAssignment(day=by_key[day], room_id=int(room[1:]), ta_id=int(ta[1:]))
            for day, rooms in schedule["assignments"].items()
            for room, tas in rooms.items()
            for ta in tas
        )
    return schedule["meta"]
