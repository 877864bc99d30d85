"""Paying stipends, exactly once.

Three guards, each enough on its own: the installment moves due → paid with a conditional UPDATE
(only one request can win it), the Payment row's idempotency key is unique (`pay:<installment>:<attempt>`
by default, so the same installment in two batches collapses), and a partial unique constraint allows
one `paid` row per installment attempt. The person who approved a grant cannot pay it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from grants.models import GrantApproval, HoldReason, Installment, InstallmentState, Payment, PaymentBatch
from program.models import User
from program.statemachine import change_state, change_states

from .holds import hold, hold_unpayable
from .notices import details_returned
from .states import INSTALLMENTS


class PaymentRefused(Exception):
    pass


def has_payments_permission(user: User) -> bool:
    return user.is_active and ModelBackend().has_perm(user, "grants.make_payments")


def approved_by(user: User, grant_id: int) -> bool:
    return GrantApproval.objects.filter(grant_id=grant_id, approver=user).exists()


PAYABLE = (InstallmentState.DUE, InstallmentState.IN_BATCH, InstallmentState.EXPORTED)


def pay_installment(
    installment: Installment, *, by: User | None, reference: str = "", batch: PaymentBatch | None = None,
    checked: bool = True,
) -> Payment | None:  # fmt: skip
    """Record one installment as paid. Returns the new Payment, or None when it was not payable (already
    paid, held, cancelled). Safe under any concurrency. `checked=False` is for a bank statement: the
    bank paid it, so the payer's permission and the two-person rule were applied at export."""
    if checked:
        if by is None or not has_payments_permission(by):
            raise PaymentRefused("You do not have the payments permission.")
        if approved_by(by, installment.grant_id):
            raise PaymentRefused("You approved this grant, so someone else must pay it (two-person rule).")
    note = f"paid ({reference[:100]})" if reference else "paid"
    try:
        with transaction.atomic():
            for _ in range(len(PAYABLE)):  # the state may move between reading and claiming (due → in a batch)
                state = Installment.objects.filter(pk=installment.pk).values_list("state", flat=True).first()
                if state not in PAYABLE:
                    return None
                won = change_state(
                    installment, to=InstallmentState.PAID, by=by, machine=INSTALLMENTS, claim_from=state, note=note
                )
                if won is not None:
                    break
            else:
                return None
            current = Installment.objects.get(pk=installment.pk)
            return Payment.objects.create(
                installment=current,
                attempt=current.attempt,
                batch=batch,
                kind=Payment.Kind.PAID,
                amount=current.amount,
                currency=current.currency,
                reference=reference[:200],
                idempotency_key=f"pay:{current.pk}:{current.attempt}",
                recorded_by=by,
            )
    except IntegrityError:
        return None


def record_return(payment: Payment, *, by: User | None, reason: str) -> Payment:
    """The bank returned a payment: a negative ledger row (never a deletion); the installment is returned,
    then held as a new attempt until the grantee's new bank details are confirmed."""
    with transaction.atomic():
        returned = Payment.objects.create(
            installment=payment.installment,
            attempt=payment.attempt,
            batch=payment.batch,
            kind=Payment.Kind.RETURNED,
            amount=-payment.amount,
            currency=payment.currency,
            reference=reason[:200],
            idempotency_key=f"return:{payment.pk}",
            recorded_by=by,
        )
        return_installment(payment.installment, by=by, reason=reason, claim_from=InstallmentState.PAID)
    return returned


def return_installment(installment: Installment, *, by: User | None, reason: str, claim_from: str) -> bool:
    """Returned by the bank (paid, or exported and never recorded paid): a new attempt, held until the
    grantee's bank details are entered again and confirmed; the grantee is asked to update them."""
    note = f"returned by the bank: {reason}"[:300]
    won = change_state(
        installment, to=InstallmentState.RETURNED, by=by, machine=INSTALLMENTS, claim_from=claim_from, note=note,
        fields={"attempt": F("attempt") + 1, "state_note": note},
    )  # fmt: skip
    if won is None:
        return False
    hold(Installment.objects.filter(pk=installment.pk), HoldReason.RETURNED, by=by, note=note)
    details_returned(installment, reason=reason)
    return True


def create_batch(
    *, by: User | None, currency: str | None = None, installments=None, note: str = "", execution_date=None
) -> tuple[PaymentBatch | None, list[Installment], dict[str, list[int]]]:
    """A batch of the due installments (of one currency, when given) that can be paid now, or None when
    there are none. Installments of grants `by` approved are left out (two-person rule) and returned
    second; installments that cannot be paid (no confirmed bank details, no tax form) are held and
    returned third, per reason."""
    if by is not None and not has_payments_permission(by):
        raise PaymentRefused("You do not have the payments permission.")
    due = Installment.objects.filter(state=InstallmentState.DUE)
    if currency:
        due = due.filter(currency=currency)
    if installments is not None:
        due = due.filter(pk__in=[i.pk if hasattr(i, "pk") else i for i in installments])
    held = hold_unpayable(due, by=by)
    mine = set(GrantApproval.objects.filter(approver=by).values_list("grant_id", flat=True)) if by else set()
    skipped = list(due.filter(grant_id__in=mine).select_related("grant__grantee"))
    with transaction.atomic():
        batch = PaymentBatch.objects.create(
            created_by=by, note=note[:300], currency=currency or "", execution_date=execution_date or execution_day()
        )
        taken = change_states(
            due.exclude(grant_id__in=mine), to=InstallmentState.IN_BATCH, by=by, machine=INSTALLMENTS,
            note=f"in batch #{batch.pk}",
        )  # fmt: skip
        if not taken:  # nothing could go in: no empty batch is kept
            batch.delete()
            return None, skipped, held
        batch.installments.set(taken)
        if not currency:
            currencies = set(Installment.objects.filter(pk__in=taken).values_list("currency", flat=True))
            if len(currencies) == 1:
                batch.currency = currencies.pop()
                batch.save(update_fields=["currency"])
    return batch, skipped, held


def execution_day(today: date | None = None) -> date:
    """The date the bank is asked to pay on: PAYOUT_EXECUTION_DAYS business days from today."""
    day, left = today or timezone.localdate(), settings.PAYOUT_EXECUTION_DAYS
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def batch_frame(batch: PaymentBatch) -> pd.DataFrame:
    """The batch as a table (the CSV and XLSX lists): one row per installment, with its reference, the
    payout method and the masked account, never a full account number."""
    columns = {
        "pk": "installment", "attempt": "attempt", "grant_id": "grant", "grant__grantee__full_name": "grantee",
        "grant__grantee__email": "email", "number": "number", "due_on": "due_on", "amount": "amount",
        "currency": "currency", "state": "state", "grant__grantee__payout_details__method": "method",
        "grant__grantee__payout_details__last4": "account_last4",
    }  # fmt: skip
    rows = batch.installments.order_by("grant__grantee__full_name", "due_on").values_list(*columns)
    frame = pd.DataFrame.from_records(list(rows), columns=list(columns.values()))
    frame.insert(
        1, "reference", [f"RUNWAY-I{pk}-{attempt}" for pk, attempt in zip(frame["installment"], frame["attempt"])]
    )
    return frame.drop(columns=["attempt"])


def pay_batch(batch: PaymentBatch, *, by: User, reference: str) -> tuple[int, Decimal]:
    """Record every due installment of the batch paid with the bank's reference."""
    paid, total = 0, Decimal("0")
    for installment in batch.installments.all():
        payment = pay_installment(installment, by=by, reference=reference, batch=batch)
        if payment:
            paid += 1
            total += payment.amount
    return paid, total
