"""Why an installment cannot be paid now, and holding and releasing it for that reason.

An installment is paid only to **confirmed** bank details (entered by the grantee or the payments team,
confirmed by a second person) and, when the program requires it (`GRANT_TAX_FORM_REQUIRED`), with a
valid tax form of the grantee for the installment's calendar year. A due installment that fails either
is held with the reason (`Installment.hold_reason`); the change that removes the reason releases it.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import ExtractYear

from grants.models import HoldReason, Installment, PaymentBatch, PayoutDetails, TaxForm
from grants.models import InstallmentState as I
from program.models import User
from program.statemachine import change_states

from .states import INSTALLMENTS

VALID_TAX_FORM = (TaxForm.Status.RECEIVED, TaxForm.Status.VERIFIED)


def _no_confirmed_details():
    return ~Exists(PayoutDetails.objects.filter(grantee=OuterRef("grant__grantee"), confirmed_at__isnull=False))


def _no_tax_form():
    return ~Exists(
        TaxForm.objects.filter(
            person=OuterRef("grant__grantee"), year=ExtractYear(OuterRef("due_on")), status__in=VALID_TAX_FORM
        )
    )


def hold(queryset: QuerySet, reason: str, *, by: User | None, note: str = "") -> list[int]:
    """Hold these installments (those whose state allows it) for `reason`; an unexported batch lets
    them go. Returns the ids held."""
    note = note or HoldReason(reason).label
    held = change_states(
        queryset, to=I.HELD, by=by, machine=INSTALLMENTS, note=note,
        fields={"hold_reason": reason, "state_note": note[:300]},
    )  # fmt: skip
    if held:
        PaymentBatch.installments.through.objects.filter(
            installment_id__in=held, paymentbatch__exported_at__isnull=True
        ).delete()
    return held


def hold_unpayable(queryset: QuerySet, *, by: User | None) -> dict[str, list[int]]:
    """Of these installments, hold the due or batched ones that cannot be paid now; returns the ids held
    per reason."""
    payable_states = queryset.filter(state__in=[I.DUE, I.IN_BATCH])
    found = {
        HoldReason.BANK_DETAILS: hold(payable_states.filter(_no_confirmed_details()), HoldReason.BANK_DETAILS, by=by)
    }
    if settings.GRANT_TAX_FORM_REQUIRED:
        found[HoldReason.TAX_FORM] = hold(payable_states.filter(_no_tax_form()), HoldReason.TAX_FORM, by=by)
    return {reason: ids for reason, ids in found.items() if ids}


def release(grantee: User, reasons: list[str], *, by: User | None, note: str) -> int:
    """The reasons went away: the grantee's installments held for them are due again (and held anew
    if another reason remains). Returns how many are due now."""
    held = Installment.objects.filter(grant__grantee=grantee, state=I.HELD, hold_reason__in=reasons)
    moved = change_states(
        held, to=I.DUE, by=by, machine=INSTALLMENTS, note=note, fields={"hold_reason": "", "state_note": note[:300]}
    )
    still = hold_unpayable(Installment.objects.filter(pk__in=moved), by=by)
    return len(moved) - sum(len(ids) for ids in still.values())


def unpayable_reasons(installment: Installment) -> list[str]:
    """What stops paying this installment now (for a page): an empty list when nothing does."""
    reasons = []
    if not PayoutDetails.objects.filter(grantee_id=installment.grant.grantee_id, confirmed_at__isnull=False).exists():
        reasons.append(HoldReason.BANK_DETAILS.label)
    if (
        settings.GRANT_TAX_FORM_REQUIRED
        and not TaxForm.objects.filter(
            person_id=installment.grant.grantee_id, year=installment.due_on.year, status__in=VALID_TAX_FORM
        ).exists()
    ):
        reasons.append(HoldReason.TAX_FORM.label)
    return reasons
