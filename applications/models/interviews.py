"""Interviews: slots, the applicant's availability, and the interviews with their state and scorecard."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from applications.models.calls import Application
from applications.models.review import Recommendation


class InterviewSlot(models.Model):
    """A time an interviewer offers for one interview."""

    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interview_slots")
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField(default=45)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["interviewer", "starts_at"], name="slot_once_per_interviewer")]

    def __str__(self) -> str:
        return f"{self.interviewer} at {self.starts_at:%Y-%m-%d %H:%M}"


class InterviewAvailability(models.Model):
    """A slot an invited applicant says they could make (input to automatic matching)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="interview_availability")
    slot = models.ForeignKey(InterviewSlot, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "slot"], name="availability_once")]

    def __str__(self) -> str:
        return f"#{self.application_id} can make {self.slot}"


class Interview(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"
        CANCELLED = "cancelled", "Cancelled"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="interviews")
    slot = models.ForeignKey(InterviewSlot, on_delete=models.PROTECT, related_name="interviews")
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interviews")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    sequence = models.PositiveSmallIntegerField(default=0, help_text="Calendar revision (ICS SEQUENCE).")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["slot__starts_at", "pk"]
        constraints = [
            # A slot holds one live interview; an applicant has one live interview at a time.
            models.UniqueConstraint(
                fields=["slot"], condition=models.Q(state="scheduled"), name="one_live_interview_per_slot"
            ),
            models.UniqueConstraint(
                fields=["application"], condition=models.Q(state="scheduled"), name="one_live_interview_per_application"
            ),
        ]

    def __str__(self) -> str:
        return f"Interview of #{self.application_id} ({self.get_state_display()})"
