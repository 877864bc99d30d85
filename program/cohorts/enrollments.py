"""Enrollments: a person's place in a cohort, and leaving it.

`ENROLLMENTS` is the table of allowed moves: an active enrollment can be withdrawn (once; it does not
come back: enrolling again is a coordinator's new decision). Withdrawing takes the person out of the
cohort's future days (pairs and TA duty after today); past days, their groups and results stay.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from program.models import Enrollment, PairGroup, TAAssignment, User
from program.statemachine import StateMachine, change_state

E = Enrollment.Status
TRANSITIONS: dict[str, frozenset[str]] = {E.ACTIVE: frozenset({E.WITHDRAWN}), E.WITHDRAWN: frozenset()}
ENROLLMENTS = StateMachine(
    model=Enrollment, states=E, transitions=TRANSITIONS, noun="enrollment", timestamp_field=None, state_field="status"
)


def withdraw(enrollment: Enrollment, *, by: User | None, note: str = "") -> dict[str, int]:
    """Withdraw the enrollment and take the person out of every day after today; returns how many
    future groups they left (groups left empty are removed) and TA duties dropped."""
    today = timezone.localdate()
    with transaction.atomic():
        change_state(enrollment, to=E.WITHDRAWN, by=by, machine=ENROLLMENTS, note=note)
        future = PairGroup.objects.filter(
            day__cohort=enrollment.cohort_id, day__date__gt=today, members=enrollment.user
        )
        left = list(future.values_list("pk", flat=True))
        PairGroup.members.through.objects.filter(pairgroup_id__in=left, user_id=enrollment.user_id).delete()
        PairGroup.objects.filter(pk__in=left, members__isnull=True).delete()
        duties, _ = TAAssignment.objects.filter(
            day__cohort=enrollment.cohort_id, day__date__gt=today, ta=enrollment.user
        ).delete()
    return {"groups_left": len(left), "ta_duties_dropped": duties}
