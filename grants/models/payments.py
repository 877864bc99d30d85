"""Installments, payment batches and the files made for the bank, the payments ledger, payout details
(sealed), tax forms, and bank statements with their entries."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils import timezone

from grants.payments.currencies import currency_choices
from program.files import generated_name


class InstallmentState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DUE = "due", "Due"
    HELD = "held", "On hold"
    IN_BATCH = "in_batch", "In a batch"
    EXPORTED = "exported", "Sent to the bank"
    PAID = "paid", "Paid"
    RETURNED = "returned", "Returned"
    CANCELLED = "cancelled", "Cancelled"


class HoldReason(models.TextChoices):
    CHECKIN = "checkin", "Waiting for an overdue check-in"
    BANK_DETAILS = "bank_details", "Waiting for confirmed bank details"
    RETURNED = "returned", "Returned by the bank: waiting for new bank details"
    TAX_FORM = "tax_form", "Waiting for this year's tax form"


REFERENCE = re.compile(r"RUNWAY-I(\d{1,12})-(\d{1,4})", re.IGNORECASE)


def installment_reference(pk: int, attempt: int) -> str:
    """The reference a transfer carries (EndToEndId, Wise paymentReference), read back from statements."""
    return f"RUNWAY-I{pk}-{attempt}"


class Installment(models.Model):
    """One monthly stipend payment of a grant. Paid at most once: see grants.payments."""

    grant = models.ForeignKey("grants.Grant", on_delete=models.PROTECT, related_name="installments")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, choices=currency_choices)
    state = models.CharField(max_length=10, choices=InstallmentState.choices, default=InstallmentState.SCHEDULED)
    state_note = models.CharField(max_length=300, blank=True)
    hold_reason = models.CharField(max_length=20, choices=HoldReason.choices, blank=True)
    # Raised when a payment comes back from the bank, so the installment can be paid again, once.
    attempt = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["due_on", "grant_id", "number"]
        constraints = [models.UniqueConstraint(fields=["grant", "number"], name="installment_number_unique")]
        indexes = [models.Index(fields=["state", "due_on"])]
        permissions = [("make_payments", "Can build payment batches and record stipend payments")]

    def __str__(self) -> str:
        return f"Grant #{self.grant_id} installment {self.number} ({self.get_state_display()})"

    @property
    def reference(self) -> str:
        """The payment's stable reference (the SEPA EndToEndId, the Wise payment reference): the same on
        every export of this attempt; a new attempt after a return gets a new one."""
        return installment_reference(self.pk, self.attempt)


class PaymentBatch(models.Model):
    """Due installments of one currency gathered for one transfer run. Locked once a file was exported."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    installments = models.ManyToManyField(Installment, related_name="batches")
    note = models.CharField(max_length=300, blank=True)
    currency = models.CharField(max_length=3, blank=True, choices=currency_choices)
    execution_date = models.DateField(null=True, blank=True, help_text="The date the bank is asked to pay on.")
    exported_at = models.DateTimeField(null=True, blank=True, help_text="Set by the first export: the batch is locked.")

    def __str__(self) -> str:
        return f"Payment batch #{self.pk}"


def payout_file_upload_to(instance, filename: str) -> str:
    return generated_name("payout-files")


class PayoutFile(models.Model):
    """A file made for the bank, kept byte for byte: exporting the batch again gives these bytes."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="files")
    format = models.CharField(max_length=10)
    file = models.FileField(upload_to=payout_file_upload_to, max_length=200)
    sha256 = models.CharField(max_length=64)
    installments = models.PositiveIntegerField(default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    warnings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "format"], name="one_file_per_batch_and_format")]

    def __str__(self) -> str:
        return f"{self.format} file of batch #{self.batch_id}"


class Payment(models.Model):
    """The ledger: an append-only row per money movement. One `paid` row per installment, ever."""

    class Kind(models.TextChoices):
        PAID = "paid", "Paid"
        RETURNED = "returned", "Returned"
        FAILED = "failed", "Failed"

    installment = models.ForeignKey(Installment, on_delete=models.PROTECT, related_name="payments")
    attempt = models.PositiveSmallIntegerField(default=0)
    batch = models.ForeignKey(PaymentBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PAID)
    amount = models.DecimalField(max_digits=10, decimal_places=2, help_text="Negative for money returned.")
    currency = models.CharField(max_length=3, choices=currency_choices)
    reference = models.CharField(max_length=200, blank=True, help_text="The bank's reference.")
    idempotency_key = models.CharField(max_length=200, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when a bank statement recorded it.",
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            # The last line of defence: whatever happens above, the database refuses a second payment.
            models.UniqueConstraint(
                fields=["installment", "attempt"],
                condition=models.Q(kind="paid"),
                name="one_payment_per_installment_attempt",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} for installment #{self.installment_id}"


class PayoutMethod(models.TextChoices):
    IBAN = "iban", "Bank account (IBAN)"
    WISE = "wise", "Wise"
    OTHER = "other", "Other (recorded by the payments team)"


class PayoutDetails(models.Model):
    """How a grantee is paid. Account numbers are sealed (Fernet, `grants.payments.vault`); only the last
    four digits are readable. Details count for payouts only once a second person confirmed them."""

    grantee = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payout_details")
    method = models.CharField(max_length=10, choices=PayoutMethod.choices, default=PayoutMethod.OTHER)
    method_label = models.CharField(max_length=100, blank=True, help_text="For another method: what it is.")
    reference = models.CharField(max_length=100, blank=True, help_text="The payee reference the bank knows them by.")
    last4 = models.CharField(max_length=4, blank=True, help_text="Last four characters of the account.")
    sealed = models.TextField(blank=True, help_text="The account details, encrypted.")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Payout details of {self.grantee}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def masked(self) -> str:
        return f"•••• {self.last4}" if self.last4 else "–"


class PayoutDetailsChange(models.Model):
    """Who changed payout details, when, and which fields (values are not copied here)."""

    details = models.ForeignKey(PayoutDetails, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    fields = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{', '.join(self.fields)} changed"


class PayoutAccess(models.Model):
    """Each time full bank details left the vault: revealed on a page, or written into a payout file."""

    class Action(models.TextChoices):
        REVEALED = "revealed", "Revealed"
        EXPORTED = "exported", "Exported in a payout file"

    action = models.CharField(max_length=10, choices=Action.choices)
    details = models.ForeignKey(PayoutDetails, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(PaymentBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


def tax_form_upload_to(instance, filename: str) -> str:
    return generated_name("tax-forms")


class TaxForm(models.Model):
    """A person's tax form for one calendar year (e.g. W-8BEN or W-9), PDF only."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tax_forms")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, help_text="e.g. W-8BEN, W-9")
    file = models.FileField(upload_to=tax_form_upload_to, max_length=200)
    filename = models.CharField(max_length=255, blank=True, help_text="The uploader's file name, for display.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-year", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.year} of {self.person}"


def statement_upload_to(instance, filename: str) -> str:
    return generated_name("statements")


class BankStatement(models.Model):
    """A bank statement file as imported, stored before it is read. The same bytes are one statement."""

    file = models.FileField(upload_to=statement_upload_to, max_length=200)
    filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    format = models.CharField(max_length=30)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.format} statement #{self.pk}"


class StatementEntry(models.Model):
    """One booked transaction of a statement and what it did. `key` identifies it across statements, so
    an overlapping statement or the same one imported twice adds nothing."""

    class Outcome(models.TextChoices):
        MATCHED = "matched", "Paid an installment"
        ALREADY_PAID = "already_paid", "Installment already paid"
        RETURNED = "returned", "Returned payment"
        AMOUNT_MISMATCH = "amount_mismatch", "Amount or currency differs"
        UNMATCHED = "unmatched", "No installment found"
        IGNORED = "ignored", "Not a stipend payment"

    class Resolution(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"
        NONE = "none", "Nothing to do"

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="entries")
    key = models.CharField(max_length=100, unique=True)
    debit = models.BooleanField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    booked_on = models.DateField(null=True, blank=True)
    end_to_end_id = models.CharField(max_length=100, blank=True)
    remittance = models.CharField(max_length=500, blank=True)
    bank_reference = models.CharField(max_length=100, blank=True)
    counterparty = models.CharField(max_length=200, blank=True)
    return_code = models.CharField(max_length=10, blank=True)
    return_reason = models.CharField(max_length=300, blank=True)
    installment = models.ForeignKey(
        Installment, null=True, blank=True, on_delete=models.PROTECT, related_name="statement_entries"
    )
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, default=Resolution.NONE)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["statement_id", "pk"]
        indexes = [models.Index(fields=["resolution", "outcome"])]

    def __str__(self) -> str:
        return f"{'Debit' if self.debit else 'Credit'} {self.amount} {self.currency} ({self.get_outcome_display()})"
