"""Review and decisions: rubric criteria, reviewer assignments and reviews, conflicts of interest,
decisions, offers and waitlist promotions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from applications.models.calls import Application, Call
from applications.models.mail import OutboundMessage


class Criterion(models.Model):
    """One line of a call's review rubric: scored 1–5, with a description of each level."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    weight = models.DecimalField(max_digits=4, decimal_places=2, default=1)
    levels = models.JSONField(default=list, blank=True, help_text="Five descriptions, for scores 1 to 5.")

    class Meta:
        ordering = ["call", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "key"], name="criterion_key_unique")]

    def __str__(self) -> str:
        return self.name


class Recommendation(models.TextChoices):
    STRONG_YES = "strong_yes", "Strong yes"
    YES = "yes", "Yes"
    MAYBE = "maybe", "Maybe"
    NO = "no", "No"
    STRONG_NO = "strong_no", "Strong no"


class ReviewAssignment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_assignments")
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When the digest mentioning it was queued.")
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "reviewer"], name="assignment_once")]

    def __str__(self) -> str:
        return f"{self.reviewer} reviews #{self.application_id}"


class Review(models.Model):
    """A reviewer's scores, comment and recommendation; a draft until `submitted_at` is set."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    scores = models.JSONField(default=dict, blank=True)
    weighted_total = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    comment = models.TextField(blank=True)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "reviewer"], name="review_once")]
        indexes = [models.Index(fields=["application", "submitted_at"])]

    def __str__(self) -> str:
        return f"Review of #{self.application_id} by {self.reviewer}"


class ConflictOfInterest(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflicts")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.TextField(blank=True)
    declared_at = models.DateTimeField(default=timezone.now)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "reviewer"], name="conflict_once")]

    def __str__(self) -> str:
        return f"{self.reviewer} has a conflict with #{self.application_id}"


class Decision(models.Model):
    """An organizer's decision on an application: who, what, when, and the email it produced."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accept"
        WAITLISTED = "waitlisted", "Waitlist"
        REJECTED = "rejected", "Reject"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    email = models.OneToOneField(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="decision"
    )

    class Meta:
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} #{self.application_id}"


class Offer(models.Model):
    """A place offered to an accepted bootcamp applicant, to confirm or decline by a deadline."""

    class Response(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="offer")
    respond_by = models.DateTimeField()
    response = models.CharField(max_length=10, choices=Response.choices, default=Response.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Offer to #{self.application_id}: {self.get_response_display()}"


class Promotion(models.Model):
    """A waitlisted application proposed for a freed place; an organizer approves or dismisses it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for approval"
        APPROVED = "approved", "Approved"
        DISMISSED = "dismissed", "Dismissed"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="promotions")
    freed_by = models.OneToOneField(Offer, on_delete=models.CASCADE, related_name="promotion")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Promote #{self.application_id} ({self.get_status_display()})"
