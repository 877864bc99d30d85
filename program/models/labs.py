"""What the lab machines reported: each stored report (raw, before parsing) and each test's result per
group and day (first pass kept)."""

from __future__ import annotations

from django.db import models
from django.utils.timezone import now

from program.models.cohorts import LabMachine


class LabReport(models.Model):
    """A pytest report exactly as an agent served it, stored before it is parsed. One row per distinct
    content (SHA-256) per machine, workspace and day: an unchanged report is never stored twice."""

    machine = models.ForeignKey(LabMachine, on_delete=models.CASCADE, related_name="reports")
    workspace = models.CharField(max_length=100)
    day_key = models.CharField(max_length=100, help_text="The curriculum day the report is for.")
    format = models.CharField(max_length=20)
    sha256 = models.CharField(max_length=64, blank=True)
    seq = models.BigIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)
    content = models.TextField(blank=True)
    received_at = models.DateTimeField(default=now)
    group = models.ForeignKey("PairGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    valid = models.BooleanField(null=True, help_text="None until parsed.")
    invalid_reason = models.CharField(max_length=300, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["machine", "workspace", "day_key", "sha256"], name="report_once_per_content"
            )
        ]
        indexes = [models.Index(fields=["machine", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.workspace}/{self.day_key} from {self.machine}"


class CheckResult(models.Model):
    """One official test of a curriculum day for one group: its latest outcome and when it first passed."""

    class Outcome(models.TextChoices):
        PASSED = "passed"
        FAILED = "failed"
        ERROR = "error"
        SKIPPED = "skipped"
        XFAILED = "xfailed"
        XPASSED = "xpassed"

    group = models.ForeignKey("PairGroup", on_delete=models.CASCADE, related_name="results")
    day_key = models.CharField(max_length=100)
    test_id = models.CharField(max_length=300)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    not_started = models.BooleanField(default=False, help_text="Failed with NotImplementedError.")
    first_passed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "day_key", "test_id"], name="check_result_once")]

    def __str__(self) -> str:
        return f"{self.group} {self.test_id}: {self.outcome}"
