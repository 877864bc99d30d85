"""Calls, applications and their state events, and the personal sign-in links sent to applicants."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from program.models import Cohort


class CallKind(models.TextChoices):
    PARTICIPANT = "participant", "Bootcamp participants"
    TA = "ta", "Bootcamp TAs"
    GRANT = "grant", "Retraining grants"


class Call(models.Model):
    """An open call for applications, e.g. "MLAB3 participants" or "Retraining grants, rolling"."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True, help_text="Also the plus-address alias: apply+<slug>@…")
    kind = models.CharField(max_length=20, choices=CallKind.choices)
    cohort = models.ForeignKey(Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="calls")
    opens_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(null=True, blank=True, help_text="Empty for a rolling call.")
    is_default = models.BooleanField(default=False, help_text="Receives mail sent to the bare address.")
    reviewers_see_history = models.BooleanField(
        default=False,
        help_text="Reviewers and interviewers see the person's earlier applications, cohorts and grants "
        "(off: review is blind to history; organizers always see it).",
    )
    description = models.TextField(blank=True)
    retention_months = models.PositiveSmallIntegerField(
        default=12,
        help_text="Unsuccessful applications (rejected, withdrawn) are erased this many months after the decision.",
    )
    late_letters = models.BooleanField(default=False, help_text="Referees' letters are accepted after the call closes.")
    referees_required = models.PositiveSmallIntegerField(
        default=0, help_text="Referees each applicant names (0: none)."
    )
    # The review queue's calibrated table (stored on the applications) is fresh when these are equal:
    # a review or an assignment bumps `scores_version`; the next view refreshes and catches up.
    scores_version = models.PositiveIntegerField(default=1)
    scores_fresh_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="one_default_call")
        ]

    def __str__(self) -> str:
        return self.name

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at and (self.closes_at is None or at < self.closes_at)


class ApplicationState(models.TextChoices):
    RECEIVED = "received", "Received"
    QUESTIONNAIRE_SENT = "questionnaire_sent", "Questionnaire sent"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    INTERVIEW = "interview", "Interview"
    ACCEPTED = "accepted", "Accepted"
    WAITLISTED = "waitlisted", "Waitlisted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


ApplicationState.decided_states = (
    ApplicationState.ACCEPTED,
    ApplicationState.WAITLISTED,
    ApplicationState.REJECTED,
)
ApplicationState.open_states = (
    ApplicationState.RECEIVED,
    ApplicationState.QUESTIONNAIRE_SENT,
    ApplicationState.SUBMITTED,
    ApplicationState.IN_REVIEW,
    ApplicationState.INTERVIEW,
)
ApplicationState.final_states = (ApplicationState.REJECTED, ApplicationState.WITHDRAWN)


def _new_reply_token() -> str:
    return secrets.token_hex(8)


class Application(models.Model):
    """One person's application to one call. `state` changes only through applications.services."""

    class Source(models.TextChoices):
        EMAIL = "email", "Email"
        WEB = "web", "Web form"
        STAFF = "staff", "Entered by staff"

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications")
    privacy_notice_version = models.CharField(
        max_length=40,
        blank=True,
        help_text="The privacy notice the person accepted (by applying on the web or "
        "submitting the questionnaire, with the notice shown).",
    )
    privacy_accepted_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=30, choices=ApplicationState.choices, default=ApplicationState.RECEIVED)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.EMAIL)
    created_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(default=timezone.now)
    needs_resume = models.BooleanField(default=False, help_text="No resume received yet.")
    # Replies to apply+r-<token>@… land on this application's thread, whatever their headers say.
    reply_token = models.CharField(max_length=32, unique=True, default=_new_reply_token, editable=False)
    answers_saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    retention_warned_at = models.DateTimeField(null=True, blank=True)
    # The calibrated review scores (applications.review.stored), so the queue sorts and pages in SQL.
    score_n = models.PositiveSmallIntegerField(default=0)
    score_raw = models.FloatField(null=True, blank=True)
    score_calibrated = models.FloatField(null=True, blank=True)
    score_spread = models.FloatField(null=True, blank=True)
    score_disagreement = models.BooleanField(default=False)
    reviewers_assigned = models.PositiveSmallIntegerField(default=0)
    erased_at = models.DateTimeField(null=True, blank=True, help_text="Erased when its retention period ended.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["call", "state"]), models.Index(fields=["state", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.call}"


class ApplicationEvent(models.Model):
    """Who changed what, when: the application's timeline. Written by the service functions only."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=30, blank=True, choices=ApplicationState.choices)
    to_state = models.CharField(max_length=30, choices=ApplicationState.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state}"


class ApplicantLink(models.Model):
    """A personal, one-time sign-in link sent to an applicant. Only a hash of the token is stored."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"link for application #{self.application_id} (expires {self.expires_at:%Y-%m-%d})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
