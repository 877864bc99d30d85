"""Around the calls: updates subscribers, announcements, curriculum access requests."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from applications.models.calls import Call


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class Interest(models.TextChoices):
    BOOTCAMP = "bootcamp", "The bootcamp (participants)"
    TA = "ta", "Teaching assistant roles"
    GRANTS = "grants", "Retraining grants"


class Subscriber(models.Model):
    """Someone who signed up for updates: double opt-in, one-click unsubscribe. On unsubscribing the
    name and address are erased; only a hash of the address stays, so they are never mailed again
    by mistake and can sign up afresh."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Subscribed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    email = models.EmailField(max_length=320, blank=True)
    email_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    interests = models.JSONField(default=list)
    state = models.CharField(max_length=15, choices=State.choices, default=State.PENDING)
    token = models.CharField(max_length=64, unique=True, default=new_secret)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "id"])]

    def __str__(self) -> str:
        return self.email or f"(unsubscribed {self.email_hash[:8]})"

    @staticmethod
    def hash_of(email: str) -> str:
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class Announcement(models.Model):
    """A message to the confirmed subscribers of a segment, sent through the outbox in batches."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    subject = models.CharField(max_length=200)
    body = models.TextField()
    segment = models.CharField(max_length=20, blank=True, help_text="An interest, or empty for everyone.")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="announcements")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class AccessRequest(models.Model):
    """A request to see the private curriculum; approval mails the access instructions and records
    which curriculum version the person was given."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=320)
    affiliation = models.CharField(max_length=200, blank=True)
    reason = models.TextField()
    curriculum = models.ForeignKey(
        "program.Curriculum", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.CharField(max_length=100, blank=True, help_text="The curriculum version access was given to.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
