"""Exporting a batch: the payees it pays (confirmed details only, unsealed here and nowhere else), the
bank file made once and kept, the installments it carries moved to *exported*, the batch locked, and
the export recorded (who, when, which batch)."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from grants.models import (
    GrantApproval,
    InstallmentState,
    PaymentBatch,
    PayoutAccess,
    PayoutDetails,
    PayoutFile,
    installment_reference,
)
from program.bulk import collector_paused, ids_in
from program.models import User
from program.statemachine import change_states
from program.text import strip_bidi

from . import vault
from .bankfiles import BankFileError, Payee
from .batches import PaymentRefused, has_payments_permission
from .formats import PAYOUT_FORMATS
from .states import INSTALLMENTS


class ExportRefused(Exception):
    pass


def batch_payees(batch: PaymentBatch) -> list[Payee]:
    """The batch's installments still waiting in it, with their grantees' confirmed details (plain rows:
    a 10,000-transfer file builds no model instances)."""
    rows = list(
        batch.installments.filter(state=InstallmentState.IN_BATCH)
        .order_by("grant__grantee__full_name", "due_on", "pk")
        .values_list(
            "pk",
            "attempt",
            "grant_id",
            "number",
            "grant__months",
            "grant__grantee_id",
            "grant__grantee__full_name",
            "grant__grantee__email",
            "amount",
            "currency",
        )  # fmt: skip
    )
    details = {
        grantee: (method, sealed)
        for grantee, method, sealed in PayoutDetails.objects.filter(
            grantee_id__in={r[5] for r in rows}, confirmed_at__isnull=False
        ).values_list("grantee_id", "method", "sealed")
    }
    opened = vault.unsealer()
    return [
        Payee(
            installment=pk,
            reference=installment_reference(pk, attempt),
            grant=grant,
            number=number,
            months=months,
            name=strip_bidi(name) or email.split("@")[0],
            email=email,
            amount=amount,
            currency=currency,
            method=details[grantee][0],
            details=opened(details[grantee][1]),
        )  # fmt: skip
        for pk, attempt, grant, number, months, grantee, name, email, amount, currency in rows
        if grantee in details
    ]


def export_file(batch: PaymentBatch, fmt: str, *, by: User | None) -> PayoutFile:
    """The batch's bank file in this format: made the first time (and then the same bytes every time)."""
    payout_format = PAYOUT_FORMATS[fmt]
    if not payout_format.is_bank_file:
        raise ExportRefused(f"{payout_format.label} is a list, not a bank file.")
    if by is not None and not has_payments_permission(by):
        raise PaymentRefused("You do not have the payments permission.")
    with collector_paused(), transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        existing = PayoutFile.objects.filter(batch=batch, format=fmt).first()
        if existing is not None:
            PayoutAccess.objects.create(action=PayoutAccess.Action.EXPORTED, batch=batch, by=by)
            return existing
        try:
            payees = [p for p in batch_payees(batch) if payout_format.accepts(p)]
        except vault.SealBroken:
            raise ExportRefused(
                "Some bank details cannot be read with the configured PAYOUT_ENCRYPTION_KEYS (was a key dropped "
                "before `rotate_payout_keys` ran?). Nothing was exported."
            ) from None
        if by is not None:
            mine = set(
                GrantApproval.objects.filter(approver=by, grant_id__in={p.grant for p in payees}).values_list(
                    "grant_id", flat=True
                )
            )
            if mine:
                raise PaymentRefused(
                    f"You approved grant {', '.join(f'#{g}' for g in sorted(mine))} in this batch, "
                    "so someone else must export it (two-person rule)."
                )
        if not payees:
            raise ExportRefused(
                f"No installment waiting in batch #{batch.pk} can be paid with a {payout_format.label}."
            )
        try:
            content, warnings = payout_format.render(payees, batch)
        except BankFileError as exc:
            raise ExportRefused(str(exc)) from None
        moved = change_states(
            batch.installments.filter(pk__in=ids_in([p.installment for p in payees])), to=InstallmentState.EXPORTED, by=by,
            machine=INSTALLMENTS, note=f"in the {fmt} file of batch #{batch.pk}",
        )  # fmt: skip
        if len(moved) != len(payees):
            raise ExportRefused("Installments of this batch changed meanwhile; export it again.")
        made = PayoutFile(
            batch=batch, format=fmt, sha256=hashlib.sha256(content).hexdigest(), installments=len(payees),
            total=sum(p.amount for p in payees), warnings=warnings, created_by=by,
        )  # fmt: skip
        made.file.save(f"batch-{batch.pk}.{fmt}", ContentFile(content), save=False)
        made.save()
        if batch.exported_at is None:
            batch.exported_at = timezone.now()
            batch.save(update_fields=["exported_at"])
        PayoutAccess.objects.create(action=PayoutAccess.Action.EXPORTED, batch=batch, by=by)
    return made


def file_bytes(payout_file: PayoutFile) -> bytes:
    with payout_file.file.open("rb") as handle:
        return handle.read()
