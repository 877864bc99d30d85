"""State changes of grants. Nothing else assigns `Grant.state`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from program.models import Role, User
from program.services import grant_role

from .models import Grant, GrantEvent
from .models import GrantState as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PROPOSED: frozenset({S.APPROVED, S.DECLINED, S.CANCELLED}),
    S.APPROVED: frozenset({S.ACTIVE, S.CANCELLED}),
    S.ACTIVE: frozenset({S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.DECLINED: frozenset(),
    S.CANCELLED: frozenset(),
}


class TransitionNotAllowed(Exception):
    pass


def propose_grant(
    grantee: User,
    *,
    monthly_stipend: Decimal,
    start_date: date,
    months: int = 3,
    currency: str = "USD",
    study_plan: str = "",
    application=None,
    parent: Grant | None = None,
    by: User | None = None,
) -> Grant:
    with transaction.atomic():
        grant = Grant.objects.create(
            grantee=grantee,
            monthly_stipend=monthly_stipend,
            start_date=start_date,
            months=months,
            currency=currency,
            study_plan=study_plan,
            application=application,
            parent=parent,
        )
        GrantEvent.objects.create(grant=grant, actor=by, to_state=S.PROPOSED)
        # Grantees use the applicant dashboard, where their grant is shown.
        grant_role(grantee, Role.APPLICANT, by=by)
    return grant


def transition_grant(grant: Grant, *, to: str, by: User | None, note: str = "") -> Grant:
    """Move a grant to state `to` under a row lock, recording who, when, from, to and note."""
    to = S(to)
    with transaction.atomic():
        locked = Grant.objects.select_for_update().get(pk=grant.pk)
        if to not in TRANSITIONS[locked.state]:
            raise TransitionNotAllowed(
                f"A grant that is {S(locked.state).label.lower()} cannot become {to.label.lower()}."
            )
        previous = locked.state
        locked.state = to
        locked.state_changed_at = timezone.now()
        locked.save(update_fields=["state", "state_changed_at"])
        GrantEvent.objects.create(
            grant=locked, actor=by, from_state=previous, to_state=to, note=note, at=locked.state_changed_at
        )
    grant.state, grant.state_changed_at = locked.state, locked.state_changed_at
    return grant
