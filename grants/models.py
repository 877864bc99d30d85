from __future__ import annotations

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from applications.models import Application


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
    currency = models.CharField(max_length=3, default="USD")
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
