"""Payout details: how a grantee is paid, entered by the grantee (or the payments team), validated with
schwifty, sealed at rest (`vault`), shown masked, and counted for payouts only once a second person
confirms them. A change holds the grantee's due installments and is emailed to every address of
record. Revealing the full details is recorded. Tax forms are kept per person and calendar year."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from grants.models import (
    HoldReason,
    Installment,
    InstallmentState,
    PayoutAccess,
    PayoutDetails,
    PayoutDetailsChange,
    PayoutMethod,
    TaxForm,
)
from program.models import User
from program.text import clean_filename

from . import vault
from .batches import has_payments_permission
from .holds import hold, release
from .notices import details_changed

SEALED_FIELDS = ("holder", "iban", "bic", "wise_email", "account_number", "routing_number")
PLAIN_FIELDS = ("method", "method_label", "reference")
# SEPA countries outside the EEA, where a transfer needs the payee bank's BIC.
BIC_NEEDED = {"AD", "AL", "CH", "GB", "GG", "IM", "JE", "MC", "MD", "ME", "MK", "PM", "SM", "VA"}


class DetailsRefused(Exception):
    pass


def clean_iban(iban: str, bic: str = "") -> tuple[str, str]:
    """The IBAN (and BIC) in their compact forms, or DetailsRefused saying what is wrong."""
    try:
        account = IBAN(iban)
    except SchwiftyException as exc:
        raise DetailsRefused(f"That IBAN is not valid: {str(exc).lower()}.") from None
    if bic:
        try:
            code = BIC(bic)
        except SchwiftyException as exc:
            raise DetailsRefused(f"That BIC is not valid: {str(exc).lower()}.") from None
        if code.country_code != account.country_code:
            raise DetailsRefused(
                f"The BIC is of a bank in {code.country_code}, the IBAN of one in {account.country_code}."
            )
        return account.compact, code.compact
    if account.bic is None and account.country_code in BIC_NEEDED:
        raise DetailsRefused(f"An IBAN from {account.country_code} needs the bank's BIC too.")
    return account.compact, str(account.bic.compact) if account.bic else ""


def _last4(values: dict) -> str:
    account = values.get("iban") or values.get("account_number") or values.get("wise_email") or ""
    return account[-4:]


def set_details(grantee: User, *, by: User, **values) -> PayoutDetails:
    """Enter or change the grantee's payout details. Values are checked (IBAN/BIC with schwifty), sealed
    and recorded as a change (which fields, never their values); until a second person confirms them the
    grantee's due and batched installments are held, and the grantee is told at every address of record."""
    method = PayoutMethod(values.get("method") or PayoutMethod.OTHER)
    secret = {f: (values.get(f) or "").strip() for f in SEALED_FIELDS}
    if method == PayoutMethod.IBAN or (method == PayoutMethod.WISE and secret["iban"]):
        secret["iban"], secret["bic"] = clean_iban(secret["iban"], secret["bic"])
    if method == PayoutMethod.IBAN and not secret["holder"]:
        raise DetailsRefused("Give the account holder's name as the bank knows it.")
    if method == PayoutMethod.WISE and not (secret["wise_email"] or secret["iban"] or secret["account_number"]):
        raise DetailsRefused("Give the email of your Wise account, or your account details.")
    if method == PayoutMethod.OTHER and not values.get("method_label"):
        raise DetailsRefused("Say which method it is.")
    plain = {
        "method": method,
        "method_label": values.get("method_label") or "",
        "reference": values.get("reference") or "",
    }
    with transaction.atomic():
        details, _ = PayoutDetails.objects.select_for_update().get_or_create(grantee=grantee)
        before = {**vault.unseal(details.sealed), **{f: getattr(details, f) for f in PLAIN_FIELDS}}
        after = {**secret, **plain}
        changed = [f for f in (*PLAIN_FIELDS, *SEALED_FIELDS) if (before.get(f) or "") != (after.get(f) or "")]
        if not changed:
            return details
        for field, value in plain.items():
            setattr(details, field, value)
        details.sealed = vault.seal({k: v for k, v in secret.items() if v})
        details.last4 = _last4(secret)
        details.entered_by, details.confirmed_by, details.confirmed_at = by, None, None
        details.updated_at = timezone.now()
        details.save()
        PayoutDetailsChange.objects.create(details=details, changed_by=by, fields=changed)
        hold(
            Installment.objects.filter(grant__grantee=grantee, state__in=[InstallmentState.DUE, InstallmentState.IN_BATCH]),
            HoldReason.BANK_DETAILS, by=by, note="bank details changed: waiting for a second person to confirm them",
        )  # fmt: skip
        details_changed(details, by=by)
    return details


def may_confirm(details: PayoutDetails, user: User) -> bool:
    """A second person: payments or organizer, neither the grantee nor whoever entered these details."""
    return (
        details.confirmed_at is None
        and user.pk not in (details.grantee_id, details.entered_by_id)
        and (has_payments_permission(user) or user.has_perm("grants.manage_grants"))
    )


def confirm_details(details: PayoutDetails, *, by: User) -> int:
    """Confirm the details; the grantee's installments held for them are due again. Returns how many."""
    if not may_confirm(details, by):
        raise DetailsRefused(
            "Bank details are confirmed by a second person with the payments or organizer role: "
            "not the grantee, not whoever entered them."
        )
    with transaction.atomic():
        won = PayoutDetails.objects.filter(pk=details.pk, confirmed_at__isnull=True, updated_at=details.updated_at)
        if not won.update(confirmed_at=timezone.now(), confirmed_by=by):
            raise DetailsRefused("These details changed meanwhile; look at them again.")
        PayoutDetailsChange.objects.create(details=details, changed_by=by, fields=["confirmed"])
        return release(
            details.grantee, [HoldReason.BANK_DETAILS, HoldReason.RETURNED], by=by, note="bank details confirmed"
        )


def reveal(details: PayoutDetails, *, by: User) -> dict:
    """The full details, for the payments role only; each reveal is recorded."""
    if not has_payments_permission(by):
        raise DetailsRefused("Only the payments role sees full bank details.")
    try:
        values = vault.unseal(details.sealed)
    except vault.SealBroken as exc:
        raise DetailsRefused(f"{exc} Ask whoever holds the keys; the grantee can enter them again.") from None
    PayoutAccess.objects.create(action=PayoutAccess.Action.REVEALED, details=details, by=by)
    return values


def add_tax_form(person: User, *, by: User, year: int, kind: str, upload) -> TaxForm:
    """Store a tax form for the year (PDF, under a generated name); installments held for it are released."""
    with transaction.atomic():
        form = TaxForm(person=person, year=year, kind=kind[:20], uploaded_by=by)
        form.filename = clean_filename(getattr(upload, "name", "") or "tax-form.pdf", 255)
        form.file.save("tax-form.pdf", upload, save=False)
        form.save()
        release(person, [HoldReason.TAX_FORM], by=by, note=f"tax form for {year} received")
    return form


def set_tax_form_status(form: TaxForm, *, status: str, by: User, note: str = "") -> TaxForm:
    if not has_payments_permission(by):
        raise DetailsRefused("Only the payments role reviews tax forms.")
    form.status, form.note = TaxForm.Status(status), note[:300]
    form.save(update_fields=["status", "note"])
    return form
