"""Grants, their events and sign-offs, letters, check-ins, outcomes and alumni."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from applications.models import Application
from grants.payments.currencies import currency_choices


class GrantState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


GrantState.live_states = (GrantState.APPROVED, GrantState.ACTIVE)
GrantState.final_states = (GrantState.COMPLETED, GrantState.DECLINED, GrantState.CANCELLED)


class Grant(models.Model):
    """A retraining grant: a monthly stipend for a few months. `state` changes only through grants.services."""

    grantee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants")
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="grant"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="extensions",
        help_text="The grant this one extends.",
    )
    monthly_stipend = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    months = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1)])
    currency = models.CharField(max_length=3, default="USD", choices=currency_choices)
    start_date = models.DateField()
    study_plan = models.TextField(blank=True)
    state = models.CharField(max_length=20, choices=GrantState.choices, default=GrantState.PROPOSED)
    created_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "-created_at"])]

    def __str__(self) -> str:
        return f"Grant #{self.pk} for {self.grantee}"

    @property
    def total_amount(self) -> Decimal:
        return self.monthly_stipend * self.months

    def ends_on(self) -> date:
        return self.start_date + relativedelta(months=self.months) - relativedelta(days=1)


class GrantEvent(models.Model):
    """Who changed what, when, on a grant. Written by the service functions only."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=20, blank=True, choices=GrantState.choices)
    to_state = models.CharField(max_length=20, choices=GrantState.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state}"


class GrantApproval(models.Model):
    """One organizer's sign-off on a grant. Large grants need two different approvers."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["grant", "approver"], name="approve_once_per_person")]

    def __str__(self) -> str:
        return f"{self.approver} approved grant #{self.grant_id}"


class StoredLetter(models.Model):
    """A letter as sent: the PDF, which template version made it, and its hash."""

    file = models.FileField(upload_to="letters/%Y/%m/", max_length=200)
    template_version = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]


class GrantLetter(StoredLetter):
    """The grant letter, and the grantee's click-through acceptance."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="letters")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_name = models.CharField(max_length=200, blank=True)
    accepted_ip = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Letter for grant #{self.grant_id} ({self.template_version})"


class CheckIn(models.Model):
    """A grantee's monthly report. While one is overdue, the next installment is held."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="checkins")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    studied = models.TextField(blank=True, help_text="What did you study this month?")
    papers = models.TextField(blank=True, help_text="Which papers did you replicate, and how far did you get?")
    plans = models.TextField(blank=True, help_text="What are your plans for next month?")
    submitted_at = models.DateTimeField(null=True, blank=True)
    reminded_before_at = models.DateTimeField(null=True, blank=True)
    reminded_after_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["grant", "number"]
        constraints = [models.UniqueConstraint(fields=["grant", "number"], name="checkin_number_unique")]

    def __str__(self) -> str:
        return f"Check-in {self.number} of grant #{self.grant_id}"


class OutcomeKind(models.TextChoices):
    AI_SAFETY_JOB = "ai_safety_job", "AI-safety job"
    OTHER_JOB = "other_job", "Applied and took another job"
    EXTENSION = "extension", "Extension"
    FURTHER_STUDY = "further_study", "Further study"
    UNKNOWN = "unknown", "Unknown"


class GrantOutcome(models.Model):
    """Where a grantee is, as recorded at a point in time. The latest one is the grant's outcome."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(max_length=20, choices=OutcomeKind.choices)
    organisation = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (grant #{self.grant_id})"


class OutcomeRequest(models.Model):
    """ "Where are you now?" asked at the end date and 3 and 6 months later; once per milestone."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="outcome_requests")
    months_after_end = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["grant", "months_after_end"], name="outcome_request_once")]

    def __str__(self) -> str:
        return f"Outcome request +{self.months_after_end}m for grant #{self.grant_id}"


class TAOfferLetter(StoredLetter):
    """An offer letter for a paid TA, made with the grant-letter machinery."""

    offer = models.ForeignKey("applications.Offer", on_delete=models.PROTECT, related_name="ta_letters")
    daily_rate = models.DecimalField(max_digits=8, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD", choices=currency_choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"TA offer letter for offer #{self.offer_id}"


class AlumniProfile(models.Model):
    """What an alumnus says about themselves now, and the organizers' hiring flag."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alumni_profile")
    current_role = models.CharField(max_length=200, blank=True)
    current_organisation = models.CharField(max_length=200, blank=True)
    contact_ok = models.BooleanField(default=True, help_text="May organizers contact them about opportunities?")
    of_interest = models.BooleanField(default=False, help_text="Organizers: of interest for hiring.")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Alumni profile of {self.user}"


class AlumniNote(models.Model):
    """A note about an alumnus, visible only to organizers (never to the person or other roles)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alumni_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Note on {self.person}"
