"""Referees: people an applicant names to write a letter, each asked through a one-time emailed link."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone

from program.files import generated_name


def letter_upload_to(instance, filename: str) -> str:
    return generated_name("letters")


class Referee(models.Model):
    """One referee of one application. The letter is confidential: the applicant sees only whether it
    came. The link's token is stored as its hash; a new link (resend) makes the old one useless."""

    class State(models.TextChoices):
        ASKED = "asked", "Asked"
        RECEIVED = "received", "Letter received"
        REPLACED = "replaced", "Replaced by the applicant"

    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE, related_name="referees")
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=320)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ASKED)
    token_hash = models.CharField(max_length=64, unique=True)
    sends = models.PositiveSmallIntegerField(default=0, help_text="Links sent (each resend makes a new one).")
    asked_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    letter = models.FileField(upload_to=letter_upload_to, blank=True, max_length=200)
    letter_filename = models.CharField(max_length=255, blank=True)
    letter_sha256 = models.CharField(max_length=64, blank=True)
    letter_text = models.TextField(blank=True)

    class Meta:
        ordering = ["application_id", "asked_at", "pk"]

    def __str__(self) -> str:
        return f"referee {self.name} of application #{self.application_id}"

    @staticmethod
    def hash_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def new_token(self) -> str:
        """A fresh link secret (the hash is kept, the token goes only into the email)."""
        token = secrets.token_urlsafe(32)
        self.token_hash = self.hash_of(token)
        return token
