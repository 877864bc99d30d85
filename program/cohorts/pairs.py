"""Daily pairs of a cohort, made by the scheduling engine's `pairing` kind (the same function the
command line runs). Past days and locked groups are never touched; everything they contain counts as
history, so regenerating after a swap or a withdrawal still avoids repeats."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from program.cohorts import staffing
from program.models import Absence, Cohort, DoNotPair, Enrollment, PairGroup, ProgramDay, Role, User
from program.scheduling import pairing, solve


def _participants(cohort: Cohort) -> list[Enrollment]:
    return list(
        Enrollment.objects.filter(cohort=cohort, role=Role.PARTICIPANT, status=Enrollment.Status.ACTIVE)
        .select_related("user")
        .order_by("user_id")
    )


def instance_for(cohort: Cohort, days: list[ProgramDay], *, history_days: list[ProgramDay], seed: int = 0) -> dict:
    people = _participants(cohort)
    day_id = {d.pk: f"d{d.number:02d}" for d in days}
    absences: dict[str, list[str]] = {}
    for user_id, day_pk in Absence.objects.filter(day__in=days, enrollment__in=people).values_list(
        "enrollment__user_id", "day_id"
    ):
        absences.setdefault(day_id[day_pk], []).append(str(user_id))
    history = [
        [str(u) for u in g.members.values_list("pk", flat=True)]
        for g in PairGroup.objects.filter(day__in=history_days).prefetch_related("members")
    ]
    fixed: dict[str, list[list[str]]] = {}
    for group in PairGroup.objects.filter(day__in=days, locked=True).prefetch_related("members"):
        fixed.setdefault(day_id[group.day_id], []).append([str(u.pk) for u in group.members.all()])
    return {
        "kind": "pairing",
        "id": f"pairing-{cohort.slug}",
        "seed": seed,
        "days": [day_id[d.pk] for d in days],
        "participants": [
            {
                "id": str(e.user_id),
                "skill": e.skill,
                "background": e.background or "professional",
                "site": "remote" if e.remote else "in_person",
                "tz_offset_h": 0,
            }
            for e in people
        ],
        "absences": absences,
        "do_not_pair": [
            [str(a), str(b)] for a, b in DoNotPair.objects.filter(cohort=cohort).values_list("first_id", "second_id")
        ],
        "history": history,
        "fixed": fixed,
        "options": {"group_sizes": [2, 3], "trio_rule": "only_if_odd", "skill_gap_target": 2, "recent_window_days": 5},
    }


# The engine's rule-breach codes, as a coordinator reads them on the week board.
BREACHES = {
    "unknown_day": "days the schedule does not know",
    "unknown_id": "people the cohort does not know",
    "double_booked": "people in two groups on one day",
    "absent_scheduled": "absent people put in a group",
    "present_unassigned": "people present but in no group (enrolled after the pairs were made: regenerate)",
    "bad_group_size": "groups of the wrong size",
    "do_not_pair": "groups breaking a do-not-pair rule",
    "trio_rule": "days with more trios than needed",
}


def generate(cohort: Cohort, *, from_day: date | None = None, seed: int = 0) -> dict:
    """(Re)generate every day from `from_day` (default: today) on; returns the engine's quality figures."""
    from_day = from_day or timezone.localdate()
    all_days = list(ProgramDay.objects.filter(cohort=cohort).order_by("date"))
    days = [d for d in all_days if d.date >= from_day]
    history_days = [d for d in all_days if d.date < from_day]
    if not days:
        return {}
    return _generate_days(cohort, days, history_days, seed)


def generate_day(day: ProgramDay, seed: int = 0) -> dict:
    """Make one day's unlocked groups again (every other day counts as history, locks are kept)."""
    history = list(ProgramDay.objects.filter(cohort=day.cohort, date__lt=day.date))
    return _generate_days(day.cohort, [day], history, seed)


def _generate_days(cohort: Cohort, days: list[ProgramDay], history_days: list[ProgramDay], seed: int) -> dict:
    instance = instance_for(cohort, days, history_days=history_days, seed=seed)
    schedule = solve(instance)
    by_id = {f"d{d.number:02d}": d for d in days}
    users = {str(u.pk): u for u in User.objects.filter(pk__in=[int(p["id"]) for p in instance["participants"]])}
    with transaction.atomic():
        PairGroup.objects.filter(day__in=days, locked=False).delete()
        for key, groups in schedule["days"].items():
            day = by_id[key]
            taken = set(PairGroup.objects.filter(day=day).values_list("workspace", flat=True))
            fixed = {frozenset(g) for g in instance["fixed"].get(key, [])}
            index = 0
            for group in groups:
                if frozenset(group) in fixed:
                    continue
                index += 1
                while (workspace := f"{cohort.slug}-d{day.number:02d}-g{index:02d}") in taken:
                    index += 1
                record = PairGroup.objects.create(day=day, workspace=workspace)
                record.members.set([users[p] for p in group])
        staffing.assign_machines(days)
    return schedule["meta"]


def swap(day: ProgramDay, first: User, second: User) -> None:
    """Swap two people between their groups on a day (both groups become locked: a human decided)."""
    with transaction.atomic():
        a = PairGroup.objects.select_for_update().get(day=day, members=first)
        b = PairGroup.objects.select_for_update().get(day=day, members=second)
        if a.pk == b.pk:
            return
        a.members.remove(first)
        b.members.remove(second)
        a.members.add(second)
        b.members.add(first)
        PairGroup.objects.filter(pk__in=[a.pk, b.pk]).update(locked=True)


def quality(cohort: Cohort) -> dict:
    """The board's figures for what is stored: repeats, largest skill gap, trios per person."""
    days = list(ProgramDay.objects.filter(cohort=cohort).order_by("date"))
    instance = instance_for(cohort, days, history_days=[])
    instance["history"], instance["fixed"] = [], {}
    schedule: dict[str, list[list[str]]] = {}
    for group in PairGroup.objects.filter(day__in=days).select_related("day").prefetch_related("members"):
        schedule.setdefault(f"d{group.day.number:02d}", []).append([str(u.pk) for u in group.members.all()])
    # People who withdrew (or were added by hand) still appear in stored groups: count them too.
    known = {p["id"] for p in instance["participants"]}
    for person in sorted({m for groups in schedule.values() for g in groups for m in g} - known):
        instance["participants"].append(
            {"id": person, "skill": 3, "background": "professional", "site": "in_person", "tz_offset_h": 0}
        )
    breaches = pairing.violations(instance, schedule)
    return {
        **pairing.metrics(instance, schedule),
        **pairing.bounds(instance),
        "violations": dict(breaches),
        "breaches": [f"{BREACHES.get(code, code.replace('_', ' '))}: {n}" for code, n in sorted(breaches.items())],
    }


def reasons(cohort: Cohort, *, until: date | None = None, gap_target: int = 2) -> dict[int, str]:
    """Why each stored group is what it is, in a few words: "new partners, skill gap 1", "repeat: met
    on day 3, skill gap 0", "trio: 31 present, new partners, skill gap 2". Two queries, whatever the
    cohort's size (members of every group, and skills)."""
    rows = PairGroup.members.through.objects.filter(pairgroup__day__cohort=cohort)
    if until is not None:  # the days shown and the ones before them (what was met before counts)
        rows = rows.filter(pairgroup__day__date__lte=until)
    rows = rows.order_by("pairgroup__day__date", "pairgroup_id").values_list(
        "pairgroup_id", "user_id", "pairgroup__day__number"
    )
    groups: dict[int, list[int]] = {}
    day_of: dict[int, int] = {}
    for group, user, number in rows:
        groups.setdefault(group, []).append(user)
        day_of[group] = number
    skills = dict(Enrollment.objects.filter(cohort=cohort).values_list("user_id", "skill"))
    present: dict[int, int] = {}
    for group, members in groups.items():
        present[day_of[group]] = present.get(day_of[group], 0) + len(members)
    met: dict[frozenset, int] = {}
    out: dict[int, str] = {}
    for group, members in groups.items():  # in day order: what was met before is known
        number = day_of[group]
        pairs = [frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1 :]]
        before = [met[p] for p in pairs if p in met and met[p] < number]
        levels = [skills.get(m, 3) for m in members]
        gap = max(levels) - min(levels)
        words = []
        if len(members) == 3:
            words.append(f"trio: {present[number]} present")
        words.append(f"repeat: met on day {max(before)}" if before else "new partners")
        words.append(f"skill gap {gap}" + (" (over the target)" if gap > gap_target else ""))
        out[group] = ", ".join(words)
        for p in pairs:
            met[p] = number
    return out
