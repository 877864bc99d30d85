"""People seen more than once: two accounts that may be one person (found when an application arrives,
never merged by themselves), with the evidence and what an organizer decided."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class PossibleDuplicate(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "To look at"
        DISMISSED = "dismissed", "Not the same person"
        MERGED = "merged", "Merged"

    first = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    evidence = models.JSONField(default=list, help_text="Sentences: what the two accounts share.")
    found_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    merge = models.ForeignKey("program.PersonMerge", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-found_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_possible_duplicate_per_pair"),
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="possible_duplicate_ordered"),
        ]

    def __str__(self) -> str:
        return f"#{self.first_id} and #{self.second_id}?"


class RetentionHold(models.Model):
    """An organizer keeps an application past its retention period (a complaint, a legal claim): why,
    who, when; releasing it records who and when, and retention resumes."""

    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE, related_name="holds")
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["application"], condition=Q(released_at__isnull=True), name="one_open_hold")
        ]

    def __str__(self) -> str:
        return f"hold on application #{self.application_id}"
