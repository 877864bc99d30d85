"""Someone is away on a day that already has pairs: re-pair only the groups that absence touches.

- Their group was a trio: it simply becomes a pair.
- Their group was a pair, and the day had no trio: the one left joins the unlocked pair that suits
  them best (fewest earlier meetings, no do-not-pair, then the smallest skill gap): one trio, as the
  rule for an odd head count wants.
- Their group was a pair, and the day had a trio: the one left pairs with the trio member that suits
  them best, so the trio becomes a pair (no trio left, the head count being even now).
Locked groups are never changed (a person decided them); when no minimal change is possible without
touching one, the day's unlocked groups are made again by the engine. Everyone whose partners changed
is told once (`partners_changed`, which the mail side turns into an email per person and change).
"""

from __future__ import annotations

from itertools import combinations

from django.db import transaction
from django.dispatch import Signal

from program.cohorts import pairs
from program.models import Absence, DoNotPair, Enrollment, PairGroup, ProgramDay, User

# Sent inside the transaction with `day` and `changes` ({user: [their new partners]}).
partners_changed = Signal()


def mark_absent(enrollment: Enrollment, day: ProgramDay, *, by: User | None = None) -> dict[User, list[User]]:
    """Record the absence and mend the day's pairs; returns whose partners changed and to whom."""
    with transaction.atomic():
        _, created = Absence.objects.get_or_create(enrollment=enrollment, day=day)
        person = enrollment.user
        groups = list(PairGroup.objects.select_for_update().filter(day=day).prefetch_related("members"))
        mine = next((g for g in groups if any(m.pk == person.pk for m in g.members.all())), None)
        if not created or mine is None:
            return {}
        before = {g.pk: {m.pk for m in g.members.all()} for g in groups}
        mine.members.remove(person)
        left = list(mine.members.all())
        others = [g for g in groups if g.pk != mine.pk]
        if not left:
            mine.delete()
        elif len(left) == 1:
            _place(day, left[0], mine, others)
        after = {
            g.pk: {m.pk for m in g.members.all()} for g in PairGroup.objects.filter(day=day).prefetch_related("members")
        }
        changes = _changes(before, after, exclude=person.pk)
        if changes:
            partners_changed.send(sender=PairGroup, day=day, changes=changes)
        return changes


def _place(day: ProgramDay, alone: User, emptied: PairGroup, others: list[PairGroup]) -> None:
    """Give the one left a group with the smallest change (see the module's docstring)."""
    cohort = day.cohort
    dnp = {frozenset(p) for p in DoNotPair.objects.filter(cohort=cohort).values_list("first_id", "second_id")}
    met = _met_before(day)
    skills = dict(Enrollment.objects.filter(cohort=cohort).values_list("user_id", "skill"))

    def cost(members: list[int]) -> tuple:
        """Joining `alone` to these members: earlier meetings of the new pairs (the others' own pairs
        are there either way), then the skill gap; do-not-pair rules it out."""
        new = [frozenset((alone.pk, m)) for m in members if m != alone.pk]
        if any(p in dnp for p in new):
            return (float("inf"),)
        levels = [skills.get(m, 3) for m in members]
        return (sum(met.get(p, 0) for p in new), max(levels) - min(levels), sorted(members))

    trio = next((g for g in others if g.members.count() == 3), None)
    if trio is not None:
        if trio.locked:
            return _regenerate(day, emptied)
        members = [m.pk for m in trio.members.all()]
        best = min(members, key=lambda m: cost([alone.pk, m]))
        if cost([alone.pk, best])[0] == float("inf"):
            return _regenerate(day, emptied)
        trio.members.remove(best)
        emptied.members.add(best)  # the one left and the trio member: a pair in the emptied group
        return None
    unlocked = [g for g in others if not g.locked]
    options = [(cost([alone.pk, *[m.pk for m in g.members.all()]]), g) for g in unlocked]
    options = [(c, g) for c, g in options if c[0] != float("inf")]
    if not options:
        return _regenerate(day, emptied) if others else None
    _, chosen = min(options, key=lambda x: (x[0], x[1].pk))
    chosen.members.add(alone)
    emptied.delete()
    return None


def _regenerate(day: ProgramDay, emptied: PairGroup) -> None:
    """No small change fits: the day's unlocked groups are made again (history and locks kept)."""
    emptied.delete()
    pairs.generate_day(day)


def _met_before(day: ProgramDay) -> dict[frozenset, int]:
    rows = PairGroup.members.through.objects.filter(
        pairgroup__day__cohort=day.cohort, pairgroup__day__date__lt=day.date
    ).values_list("pairgroup_id", "user_id")
    groups: dict[int, list[int]] = {}
    for group, user in rows:
        groups.setdefault(group, []).append(user)
    met: dict[frozenset, int] = {}
    for members in groups.values():
        for p in combinations(members, 2):
            met[frozenset(p)] = met.get(frozenset(p), 0) + 1
    return met


def _changes(before: dict, after: dict, *, exclude: int) -> dict[User, list[User]]:
    """{person: new partners} for everyone present whose set of partners differs."""

    def partners(groups: dict) -> dict[int, set[int]]:
        return {m: members - {m} for members in groups.values() for m in members}

    old, new = partners(before), partners(after)
    changed = [m for m in new if m != exclude and new[m] != old.get(m)]
    users = User.objects.in_bulk({*changed, *(p for m in changed for p in new[m])})
    return {users[m]: sorted((users[p] for p in new[m]), key=lambda u: u.pk) for m in sorted(changed)}
