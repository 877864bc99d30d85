"""Installments: a grant's monthly stipends and every change of their state.

`INSTALLMENTS` is the table of allowed moves; every change goes through `program.statemachine`, with an
event (who, when, from, to, why). A scheduled installment becomes due on its date, or held with a
reason (`hold_reason`: an overdue check-in, no confirmed bank details, no tax form for the year; see
`holds`); a held one is released when the reason goes. A due one joins a batch, is exported in the
batch's file and is paid once (a conditional UPDATE in `batches.pay_installment`, or a bank
statement); a paid one the bank returns is returned, then held as a new attempt until new bank
details are confirmed; anything not yet at the bank is cancelled with its grant.
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef
from django.utils import timezone

from grants.models import CheckIn, Grant, GrantState, HoldReason, Installment
from grants.models import InstallmentState as I
from program.models import User
from program.statemachine import change_states

from .holds import hold, hold_unpayable
from .states import INSTALLMENTS, TRANSITIONS  # noqa: F401

LIVE_GRANTS = (GrantState.APPROVED, GrantState.ACTIVE)


def installment_dates(start: date, months: int) -> list[date]:
    """Installment n (1-based) is due on the start date plus n−1 months. A start late in the month
    stays on that day, or the month's last day when it is shorter (31 Jan → 28 Feb → 31 Mar)."""
    return [start + relativedelta(months=n) for n in range(months)]


def generate_installments(grant: Grant) -> list[Installment]:
    """One installment per month, unique per (grant, number): running it again creates nothing."""
    Installment.objects.bulk_create(
        [
            Installment(grant=grant, number=n, due_on=due, amount=grant.monthly_stipend, currency=grant.currency)
            for n, due in enumerate(installment_dates(grant.start_date, grant.months), start=1)
        ],
        ignore_conflicts=True,
    )
    return list(grant.installments.order_by("number"))


def _overdue_checkin_before(installment_ref: str = "due_on", today: date | None = None):
    """An earlier check-in of the same grant that is overdue (the reason to hold an installment)."""
    return CheckIn.objects.filter(
        submitted_at__isnull=True,
        due_on__lt=today or timezone.localdate(),
        grant=OuterRef("grant"),
    ).filter(due_on__lt=OuterRef(installment_ref))


def mark_due(today: date | None = None, *, by: User | None = None) -> int:
    """Daily: scheduled installments of live grants whose date has come become due, or held while an
    earlier check-in of their grant is overdue, or while they cannot be paid (no confirmed bank
    details, no tax form: `holds`). Returns how many became due and stay due."""
    today = today or timezone.localdate()
    arrived = Installment.objects.filter(state=I.SCHEDULED, due_on__lte=today, grant__state__in=LIVE_GRANTS)
    late = _overdue_checkin_before(today=today)
    hold(arrived.filter(Exists(late)), HoldReason.CHECKIN, by=by, note=HELD_NOTE)
    due = change_states(arrived.exclude(Exists(late)), to=I.DUE, by=by, machine=INSTALLMENTS, note="its date came")
    held = hold_unpayable(Installment.objects.filter(pk__in=due), by=by)
    return len(due) - sum(len(ids) for ids in held.values())


HELD_NOTE = "waiting for an overdue check-in"


def release_held(grant: Grant, *, by: User | None, today: date | None = None) -> int:
    """A check-in arrived: the grant's installments held for a check-in, with no other overdue check-in
    before them, are due (or held for another reason that remains)."""
    held = Installment.objects.filter(grant=grant, state=I.HELD, hold_reason=HoldReason.CHECKIN).exclude(
        Exists(_overdue_checkin_before(today=today))
    )
    note = "released: check-in received"
    due = change_states(
        held, to=I.DUE, by=by, machine=INSTALLMENTS, note=note, fields={"state_note": note, "hold_reason": ""}
    )
    still = hold_unpayable(Installment.objects.filter(pk__in=due), by=by)
    return len(due) - sum(len(ids) for ids in still.values())


def cancel_unpaid(grant: Grant, *, by: User | None, reason: str) -> int:
    """Every installment of the grant not yet at the bank is cancelled, with the reason (an exported one
    is the bank's now: a statement says whether it was paid)."""
    note = f"grant cancelled: {reason}"[:300]
    unpaid = Installment.objects.filter(grant=grant, state__in=[I.SCHEDULED, I.DUE, I.HELD, I.IN_BATCH])
    cancelled = change_states(
        unpaid, to=I.CANCELLED, by=by, machine=INSTALLMENTS, note=note, fields={"state_note": note}
    )
    return len(cancelled)
