"""Paying stipends, exactly once.

Three guards, each enough on its own: the installment moves due → paid with a conditional UPDATE
(only one request can win it), the Payment row's idempotency key is unique (`pay:<installment>:<attempt>`
by default, so the same installment in two batches collapses), and a partial unique constraint allows
one `paid` row per installment attempt. The person who approved a grant cannot pay it.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from django.contrib.auth.backends import ModelBackend
from django.db import IntegrityError, transaction
from django.db.models import F

from grants.models import GrantApproval, Installment, InstallmentState, Payment, PaymentBatch
from program.models import User
from program.statemachine import change_state

from .installments import INSTALLMENTS


class PaymentRefused(Exception):
    pass


def has_payments_permission(user: User) -> bool:
    return user.is_active and ModelBackend().has_perm(user, "grants.make_payments")


def approved_by(user: User, grant_id: int) -> bool:
    return GrantApproval.objects.filter(grant_id=grant_id, approver=user).exists()


def pay_installment(
    installment: Installment, *, by: User, reference: str = "", batch: PaymentBatch | None = None
) -> Payment | None:
    """Record one installment as paid. Returns the new Payment, or None when it was not due (already
    paid, held, cancelled). Safe under any concurrency."""
    if not has_payments_permission(by):
        raise PaymentRefused("You do not have the payments permission.")
    if approved_by(by, installment.grant_id):
        raise PaymentRefused("You approved this grant, so someone else must pay it (two-person rule).")
    try:
        with transaction.atomic():
            won = change_state(
                installment, to=InstallmentState.PAID, by=by, machine=INSTALLMENTS, claim_from=InstallmentState.DUE,
                note=f"paid ({reference[:100]})" if reference else "paid",
            )  # fmt: skip
            if won is None:  # not due (already paid, held, cancelled) or another request won it
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


def record_return(payment: Payment, *, by: User, reason: str) -> Payment:
    """The bank returned a payment: a negative ledger row (never a deletion) and the installment is due again."""
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
        change_state(
            payment.installment, to=InstallmentState.DUE, by=by, machine=INSTALLMENTS,
            claim_from=InstallmentState.PAID, note=f"returned: {reason}",
            fields={"attempt": F("attempt") + 1, "state_note": f"returned: {reason}"[:300]},
        )  # fmt: skip
    return returned


def create_batch(*, by: User, installments=None, note: str = "") -> tuple[PaymentBatch, list[Installment]]:
    """A batch of due installments. Installments of grants `by` approved are left out (two-person rule)
    and returned as the second value."""
    if not has_payments_permission(by):
        raise PaymentRefused("You do not have the payments permission.")
    due = Installment.objects.filter(state=InstallmentState.DUE).select_related("grant__grantee")
    if installments is not None:
        due = due.filter(pk__in=[i.pk if hasattr(i, "pk") else i for i in installments])
    mine = set(GrantApproval.objects.filter(approver=by).values_list("grant_id", flat=True))
    chosen = [i for i in due if i.grant_id not in mine]
    skipped = [i for i in due if i.grant_id in mine]
    batch = PaymentBatch.objects.create(created_by=by, note=note[:300])
    batch.installments.set(chosen)
    return batch, skipped


def batch_frame(batch: PaymentBatch) -> pd.DataFrame:
    rows = (
        batch.installments.select_related("grant__grantee")
        .order_by("grant__grantee__full_name", "due_on")
        .values_list(
            "pk",
            "grant_id",
            "grant__grantee__full_name",
            "grant__grantee__email",
            "number",
            "due_on",
            "amount",
            "currency",
            "state",
        )
    )
    frame = pd.DataFrame.from_records(
        list(rows),
        columns=["installment", "grant", "grantee", "email", "number", "due_on", "amount", "currency", "state"],
    )
    return frame


def pay_batch(batch: PaymentBatch, *, by: User, reference: str) -> tuple[int, Decimal]:
    """Record every due installment of the batch paid with the bank's reference."""
    paid, total = 0, Decimal("0")
    for installment in batch.installments.all():
        payment = pay_installment(installment, by=by, reference=reference, batch=batch)
        if payment:
            paid += 1
            total += payment.amount
    return paid, total
