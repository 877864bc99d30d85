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


class PersonMerge(models.Model):
    """Two accounts found to be one person: every record of `closed` moved to `kept` (which rows, per
    relation, in `moved`), rows that could not move (the kept account already had one: a role, a
    profile) listed in `left`; `closed` is deactivated and points at `kept`."""

    kept = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="merges_into")
    closed = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="merges_from")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True, help_text="Why these are one person.")
    moved = models.JSONField(default=dict, help_text="{model.relation: [row ids]} moved to the kept account.")
    left = models.JSONField(default=list, help_text="Rows left with the closed account, each with why.")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.closed_id} merged into #{self.kept_id}"

    @property
    def rows_moved(self) -> int:
        return sum(len(ids) for ids in self.moved.values())


class ErasureRecord(models.Model):
    """What erasing a person (or one of their applications, by retention) removed and what it kept for
    the law or the audit, with the reason and until when. The person's row stays, pseudonymised."""

    class Why(models.TextChoices):
        REQUEST = "request", "The person asked"
        RETENTION = "retention", "Retention period ended"

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="erasures")
    scope = models.CharField(max_length=100, help_text='"person" or the record erased, e.g. "application 12".')
    why = models.CharField(max_length=10, choices=Why.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300, blank=True, help_text="The request, or the retention rule.")
    removed = models.JSONField(default=dict, help_text="{model: rows deleted or emptied}.")
    kept = models.JSONField(default=dict, help_text="{model: {rows, why, until}} kept pseudonymised.")
    files = models.PositiveIntegerField(default=0)
    replaced = models.PositiveIntegerField(default=0, help_text="Text values where the name or address was replaced.")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"erasure of {self.scope} of #{self.person_id}"
