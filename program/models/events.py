"""State events of the models without an event table of their own (installments, interviews, outbound
mail, enrollments): who moved which row, when, from which state to which, and why. Applications and
grants keep their own event tables."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.timezone import now


class StateEvent(models.Model):
    subject = models.CharField(max_length=100, help_text="The model, as app_label.model (e.g. grants.installment).")
    subject_id = models.BigIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["subject", "subject_id"], name="state_event_subject")]

    def __str__(self) -> str:
        return f"{self.subject}#{self.subject_id}: {self.from_state or '∅'} → {self.to_state}"
