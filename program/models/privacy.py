"""Requests about a person's data: each export of everything Runway holds about someone (who made it,
for whom, when, how many records), so a request can be shown to have been answered."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class DataExport(models.Model):
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField(default=timezone.now)
    records = models.PositiveIntegerField(default=0)
    files = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=300, blank=True, help_text="For an organizer's export: the request.")

    class Meta:
        ordering = ["-made_at"]

    def __str__(self) -> str:
        return f"export of #{self.person_id} at {self.made_at:%Y-%m-%d %H:%M}"


class FileAccess(models.Model):
    """Someone other than the person opened one of their files (a resume, an answer's upload, a letter,
    a tax form): who, when, which file. Part of the person's own data export."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="file_accesses")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    what = models.CharField(max_length=300)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.what} of #{self.person_id} opened by #{self.by_id}"
