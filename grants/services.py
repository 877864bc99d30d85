"""State changes of grants. Nothing else assigns `Grant.state`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from applications import outbox
from grants.payments.currencies import normalise_currency
from program.models import Role, User
from program.services import grant_role, person_for_email
from program.statemachine import StateMachine, change_state
from program.statemachine import TransitionNotAllowed as TransitionNotAllowed  # re-exported for callers

from . import checkins
from .models import Grant, GrantApproval, GrantEvent, Installment, InstallmentState
from .models import GrantState as S
from .payments.installments import cancel_unpaid, generate_installments

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PROPOSED: frozenset({S.APPROVED, S.DECLINED, S.CANCELLED}),
    S.APPROVED: frozenset({S.ACTIVE, S.CANCELLED}),
    S.ACTIVE: frozenset({S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.DECLINED: frozenset(),
    S.CANCELLED: frozenset(),
}
GRANTS = StateMachine(
    model=Grant, states=S, transitions=TRANSITIONS, noun="grant", event_model=GrantEvent, event_field="grant"
)


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
    """A grant proposal; the currency must be an ISO 4217 code (ValueError otherwise)."""
    if normalise_currency(currency) != currency:
        raise ValueError(f"{currency!r} is not an ISO 4217 currency code (e.g. USD, EUR, GBP).")
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


def propose_direct_grant(*, email: str, full_name: str = "", by: User, **terms) -> Grant:
    """A grant made without an application (an organizer's own proposal): the person is found by their
    address or created; the grant goes through the same sign-off as any other."""
    with transaction.atomic():
        grantee = person_for_email(email, full_name)
        return propose_grant(grantee, by=by, **terms)


def transition_grant(grant: Grant, *, to: str, by: User | None, note: str = "") -> Grant:
    """Move a grant to state `to` under a row lock, recording who, when, from, to and note."""
    return change_state(grant, to=to, by=by, note=note, machine=GRANTS)


class ApprovalError(Exception):
    pass


def approvers_needed(grant: Grant) -> int:
    """Above GRANT_SECOND_APPROVAL_ABOVE (total stipend) a second, different organizer must sign off."""
    return 2 if grant.total_amount > settings.GRANT_SECOND_APPROVAL_ABOVE else 1


def approve_grant(grant: Grant, *, by: User, note: str = "") -> Grant:
    """Record `by`'s sign-off. When enough different organizers have signed, the grant is approved
    and its installments are scheduled. The row is locked so two approvals at once count correctly."""
    with transaction.atomic():
        locked = Grant.objects.select_for_update().get(pk=grant.pk)
        if locked.state != S.PROPOSED:
            raise ApprovalError(
                f"This grant is {S(locked.state).label.lower()}; only a proposed grant can be approved."
            )
        if locked.approvals.filter(approver=by).exists():
            raise ApprovalError("You have already approved this grant; a second approval must come from someone else.")
        GrantApproval.objects.create(grant=locked, approver=by, note=note)
        count, needed = locked.approvals.count(), approvers_needed(locked)
        if count >= needed:
            transition_grant(locked, to=S.APPROVED, by=by, note=note or f"approved ({count} of {needed} sign-offs)")
            generate_installments(locked)
            checkins.generate_checkins(locked)
        else:
            GrantEvent.objects.create(
                grant=locked,
                actor=by,
                from_state=locked.state,
                to_state=locked.state,
                note=f"signed off ({count} of {needed}); waiting for a second approver. {note}".strip(),
            )
            _ask_for_second_approval(locked, first=by)
    grant.refresh_from_db()
    return grant


def complete_finished(today: date | None = None) -> list[int]:
    """Daily: an active grant whose end date has passed and whose last installment is paid (none left
    scheduled, due or on hold) becomes completed. Returns the grants moved."""
    today = today or timezone.localdate()
    unpaid = Installment.objects.filter(
        grant=OuterRef("pk"), state__in=[InstallmentState.SCHEDULED, InstallmentState.DUE, InstallmentState.HELD]
    )
    last = Installment.objects.filter(grant=OuterRef("pk")).order_by("-number").values("state")[:1]
    candidates = (
        Grant.objects.filter(state=S.ACTIVE)
        .annotate(last_state=Subquery(last))
        .filter(last_state=InstallmentState.PAID)
        .exclude(Exists(unpaid))
    )
    done = []
    for grant in candidates:
        if grant.ends_on() < today:
            transition_grant(
                grant, to=S.COMPLETED, by=None, note="finished: the last installment is paid and the end date passed"
            )
            done.append(grant.pk)
    return done


def decline_grant(grant: Grant, *, by: User, note: str) -> Grant:
    return transition_grant(grant, to=S.DECLINED, by=by, note=note)


def cancel_grant(grant: Grant, *, by: User, reason: str) -> Grant:
    """Cancel the grant and every installment not yet paid, with the reason."""
    with transaction.atomic():
        transition_grant(grant, to=S.CANCELLED, by=by, note=reason)
        cancel_unpaid(grant, by=by, reason=reason)
    return grant


def extend_grant(
    grant: Grant, *, months: int = 3, monthly_stipend: Decimal | None = None, by: User, note: str = ""
) -> Grant:
    """ "Another three months": a new grant linked to its parent, starting the day after it ends, and
    going through the same approval."""
    if grant.state not in (S.ACTIVE, S.COMPLETED):
        raise TransitionNotAllowed("Only an active or completed grant can be extended.")
    extension = propose_grant(
        grant.grantee,
        monthly_stipend=monthly_stipend or grant.monthly_stipend,
        start_date=grant.ends_on() + relativedelta(days=1),
        months=months,
        currency=grant.currency,
        study_plan=note or grant.study_plan,
        parent=grant,
        by=by,
    )
    GrantEvent.objects.create(
        grant=grant,
        actor=by,
        from_state=grant.state,
        to_state=grant.state,
        note=f"extension proposed: grant #{extension.pk}",
    )
    return extension


def _ask_for_second_approval(grant: Grant, *, first: User) -> None:
    """Tell the other organizers (after the commit, through the outbox) that a grant waits on them."""
    for organizer in User.objects.filter(role_assignments__role=Role.ORGANIZER, is_active=True).exclude(pk=first.pk):
        outbox.queue_email(
            "grant-second-approval",
            to=organizer.email,
            context={"grant": grant, "first": first, "organizer": organizer},
            idempotency_key=f"second-approval:{grant.pk}:{organizer.pk}",
        )
