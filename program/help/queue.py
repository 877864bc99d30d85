"""The help queue's moves and its order.

- `ask`: one open entry per pair (a unique partial index; asking again returns the open one). The entry
  carries the failing and erroring tests of the pair's latest valid report for the day, each with the
  first line of its message (tests not started, NotImplementedError, are not failures).
- `claim` / `resolve` / `hand_back` / `cancel`: through `change_state`; a claim is one conditional
  `UPDATE … WHERE state = 'waiting'`, so two TAs never claim the same entry.
- Order (`ordered`): pairs helped least today first, then the longest waiting; `grouped` collects the
  waiting entries stuck on the same test ("5 pairs fail test_softmax_stable: explain once").
- `proposals`: today's pairs the stuck rules flag (broken, no new pass for a while, behind the pace)
  without an open entry; `accept` turns one into an entry (origin "spotted", with when the rule fired).
- `place`: a waiting pair's place and expected wait (today's median handling time, per TA on duty).
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from program.labs import progress
from program.labs.reports import InvalidReport, parse
from program.models import CheckResult, Cohort, HelpRequest, LabReport, PairGroup, ProgramDay, TAAssignment, User
from program.statemachine import StateMachine, change_state

S = HelpRequest.State
OPEN = (S.WAITING, S.CLAIMED)
TRANSITIONS: dict[str, frozenset[str]] = {
    S.WAITING: frozenset({S.CLAIMED, S.CANCELLED}),
    S.CLAIMED: frozenset({S.RESOLVED, S.WAITING, S.CANCELLED}),
    S.RESOLVED: frozenset(),
    S.CANCELLED: frozenset(),
}
HELP = StateMachine(model=HelpRequest, states=S, transitions=TRANSITIONS, noun="help request")
MAX_TESTS = 20


def failing_tests(group: PairGroup) -> list[dict]:
    """The failing and erroring tests of the pair's latest valid report for its day, in report order."""
    day_key = group.day.curriculum_day.key if group.day.curriculum_day_id else ""
    report = (
        LabReport.objects.filter(group=group, valid=True, **({"day_key": day_key} if day_key else {}))
        .order_by("-received_at", "-pk")
        .only("format", "content")
        .first()
    )
    if report is None:
        return []
    try:
        parsed = parse(report.format, report.content)
    except InvalidReport:
        return []
    if parsed.broken:
        return [{"test": "(the tests did not import)", "outcome": "error", "message": parsed.broken[:200]}]
    return [
        {"test": c.id, "outcome": c.outcome, "message": (c.message.strip().splitlines() or [""])[0][:200]}
        for c in parsed.checks
        if c.outcome in ("failed", "error") and not c.not_started
    ][:MAX_TESTS]


def ask(group: PairGroup, *, by: User | None, note: str = "", origin: str = HelpRequest.Origin.ASKED,
        detected_at=None, reasons: list[str] | None = None) -> tuple[HelpRequest, bool]:  # fmt: skip
    """(entry, created): asking while an entry is open returns that entry and changes nothing."""
    existing = HelpRequest.objects.filter(group=group, state__in=OPEN).first()
    if existing is not None:
        return existing, False
    failing = failing_tests(group)
    try:
        with transaction.atomic():
            entry = HelpRequest.objects.create(
                group=group, day_id=group.day_id, room_id=group.machine.room_id if group.machine_id else None,
                origin=origin, note=note.strip()[:300], failing=failing,
                stuck_on=failing[0]["test"][:300] if failing else "", asked_by=by, detected_at=detected_at,
                reasons=reasons or [],
            )  # fmt: skip
    except IntegrityError:  # the other member of the pair asked at the same moment
        return HelpRequest.objects.get(group=group, state__in=OPEN), False
    return entry, True


def claim(entry: HelpRequest, *, by: User) -> HelpRequest | None:
    """The TA takes the entry; None when another TA was first (or it was cancelled meanwhile)."""
    return change_state(entry, to=S.CLAIMED, by=by, machine=HELP, claim_from=S.WAITING,
                        fields={"claimed_by": by, "claimed_at": timezone.now()})  # fmt: skip


def resolve(entry: HelpRequest, *, by: User, resolution: str = "") -> HelpRequest | None:
    return change_state(entry, to=S.RESOLVED, by=by, machine=HELP, claim_from=S.CLAIMED, note=resolution,
                        fields={"resolved_at": timezone.now(), "resolution": resolution.strip()[:300]})  # fmt: skip


def hand_back(entry: HelpRequest, *, by: User) -> HelpRequest | None:
    """Back into the queue at its old place (its ask time stays)."""
    return change_state(entry, to=S.WAITING, by=by, machine=HELP, claim_from=S.CLAIMED,
                        fields={"claimed_by": None, "claimed_at": None, "handed_back": F("handed_back") + 1})  # fmt: skip


def cancel(entry: HelpRequest, *, by: User) -> HelpRequest | None:
    entry.refresh_from_db(fields=["state"])
    if entry.state not in OPEN:
        return None
    return change_state(entry, to=S.CANCELLED, by=by, machine=HELP, claim_from=entry.state)


def open_entries(day: ProgramDay, *, room_id: int | None = None):
    entries = HelpRequest.objects.filter(day=day, state__in=OPEN).select_related("group__machine__room", "claimed_by")
    if room_id:
        entries = entries.filter(Q(room_id=room_id) | Q(room__isnull=True))
    return entries.prefetch_related("group__members")


def ordered(entries: list[HelpRequest], day: ProgramDay) -> list[HelpRequest]:
    """Waiting entries: the pairs helped least today first, then the longest waiting."""
    helped = defaultdict(int)
    for group_id in HelpRequest.objects.filter(day=day, state=S.RESOLVED).values_list("group_id", flat=True):
        helped[group_id] += 1
    waiting = [e for e in entries if e.state == S.WAITING]
    for entry in waiting:
        entry.helped_today = helped[entry.group_id]
    return sorted(waiting, key=lambda e: (e.helped_today, e.asked_at, e.pk))


def grouped(waiting: list[HelpRequest]) -> list[tuple[str, list[HelpRequest]]]:
    """Tests two or more waiting pairs are stuck on, most pairs first."""
    by_test = defaultdict(list)
    for entry in waiting:
        if entry.stuck_on:
            by_test[entry.stuck_on].append(entry)
    return sorted(((t, es) for t, es in by_test.items() if len(es) > 1), key=lambda item: (-len(item[1]), item[0]))


def flagged(cohort: Cohort, *, now=None) -> list[dict]:
    """`progress.needs_help`, kept in the cache for the rest of the minute while nothing it reads has
    changed: today's groups (broken, last report, last progress) and their results. Every TA's page polls
    every 3 s, and the rules (a table of the day's results) cost more than the rest of the page. The
    minute is in the key because "no newly passing test for N min" moves with the clock."""
    now = now or timezone.now()
    groups = PairGroup.objects.filter(day__cohort=cohort, day__date=timezone.localdate(now))
    marks = groups.aggregate(
        groups=Count("pk"), reported=Max("reported_at"), progressed=Max("last_progress_at"),
        broken=Count("pk", filter=~Q(broken="")),
    ) | CheckResult.objects.filter(group__in=groups).aggregate(results=Count("pk"), changed=Max("updated_at"))  # fmt: skip
    key = (
        "needs-help:" + hashlib.sha256(f"{cohort.pk}:{now:%Y-%m-%dT%H:%M}:{sorted(marks.items())}".encode()).hexdigest()
    )
    rows = cache.get(key)
    if rows is None:
        rows = [{**f, "group": f["group"].pk} for f in progress.needs_help(cohort, now=now)]
        cache.set(key, rows, 120)
    found = groups.filter(pk__in=[r["group"] for r in rows]).select_related("machine__room").prefetch_related("members")
    by_pk = {g.pk: g for g in found}
    return [{**r, "group": by_pk[r["group"]]} for r in rows if r["group"] in by_pk]


def proposals(cohort: Cohort, *, now=None) -> list[dict]:
    """Today's pairs the stuck rules flag that have no open entry (a TA can accept each in one click)."""
    found = flagged(cohort, now=now)
    busy = set(
        HelpRequest.objects.filter(group_id__in=[f["group"].pk for f in found], state__in=OPEN).values_list(
            "group_id", flat=True
        )
    )
    return [f for f in found if f["group"].pk not in busy]


def accept(cohort: Cohort, group: PairGroup, *, by: User, now=None) -> tuple[HelpRequest, bool]:
    """A TA accepts a proposal: the pair is queued as spotted, with when the rule fired (the pair sees
    that a TA is coming)."""
    flagged = next((f for f in progress.needs_help(cohort, now=now) if f["group"].pk == group.pk), None)
    since = flagged["since"] if flagged else timezone.now()
    return ask(group, by=by, origin=HelpRequest.Origin.SPOTTED, detected_at=since,
               reasons=flagged["reasons"] if flagged else [])  # fmt: skip


def handling_minutes(day: ProgramDay) -> float:
    """Today's median minutes from claim to resolution (HELP_DEFAULT_MINUTES before the first)."""
    done = HelpRequest.objects.filter(day=day, state=S.RESOLVED, claimed_at__isnull=False).values_list(
        "claimed_at", "resolved_at"
    )
    minutes = [(end - start).total_seconds() / 60 for start, end in done if end and end >= start]
    return statistics.median(minutes) if minutes else float(settings.HELP_DEFAULT_MINUTES)


def place(entry: HelpRequest) -> dict:
    """A waiting pair's place in its room's queue and the expected wait (rounded up to a minute)."""
    waiting = ordered(list(open_entries(entry.day, room_id=entry.room_id)), entry.day)
    position = next((i for i, e in enumerate(waiting, start=1) if e.pk == entry.pk), None)
    if position is None:
        return {"position": None, "minutes": None}
    tas = TAAssignment.objects.filter(day=entry.day, **({"room_id": entry.room_id} if entry.room_id else {})).count()
    rounds = math.ceil(position / max(1, tas))
    return {"position": position, "minutes": math.ceil(rounds * handling_minutes(entry.day)), "tas": tas}


def waited(entry: HelpRequest, now=None) -> timedelta:
    return (now or timezone.now()) - entry.asked_at


def box(group: PairGroup | None) -> dict:
    """What the pair's help box on Today shows: their open entry with its place and wait, or the form."""
    entry = HelpRequest.objects.filter(group=group, state__in=OPEN).first() if group else None
    return {"help_group": group, "help_entry": entry,
            "help_place": place(entry) if entry and entry.state == S.WAITING else None}  # fmt: skip
