"""The TA help queue and attendance: a pair's request for help (asked, or spotted by the stuck rules
and accepted by a TA) with the failing tests it carried, and who was present each day."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from program.models.cohorts import Enrollment, PairGroup, ProgramDay, Room


class HelpRequest(models.Model):
    """One entry of the help queue. At most one open (waiting or claimed) per pair and day; claims are
    conditional UPDATEs through `program.statemachine` (two TAs never claim the same entry)."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting"
        CLAIMED = "claimed", "A TA is on the way"
        RESOLVED = "resolved", "Resolved"
        CANCELLED = "cancelled", "Cancelled"

    class Origin(models.TextChoices):
        ASKED = "asked", "Asked by the pair"
        SPOTTED = "spotted", "Spotted by a TA (stuck rules)"

    group = models.ForeignKey(PairGroup, on_delete=models.CASCADE, related_name="help_requests")
    day = models.ForeignKey(ProgramDay, on_delete=models.CASCADE, related_name="help_requests")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="help_requests")
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.ASKED)
    note = models.CharField(max_length=300, blank=True)
    failing = models.JSONField(default=list, help_text="[{test, outcome, message}] of the latest report, when asked.")
    stuck_on = models.CharField(max_length=300, blank=True, db_index=True, help_text="The first failing test.")
    reasons = models.JSONField(default=list, help_text="Spotted: why the rules thought the pair was stuck.")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_at = models.DateTimeField(default=now)
    detected_at = models.DateTimeField(null=True, blank=True, help_text="Spotted: when the rule first fired.")
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=300, blank=True, help_text="A word on what it was.")
    handed_back = models.PositiveSmallIntegerField(default=0)
    state_changed_at = models.DateTimeField(default=now)
    webhook_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group"], condition=Q(state__in=["waiting", "claimed"]), name="one_open_help_request"
            )
        ]
        indexes = [models.Index(fields=["day", "state"], name="help_request_day_state")]

    def __str__(self) -> str:
        return f"help for {self.group.workspace}: {self.get_state_display()}"


class Attendance(models.Model):
    """Whether a participant was there on a program day, confirmed by a TA (suggested from the lab
    machines' activity). Absent days are also `Absence` rows, which pairing and feedback rates read."""

    class State(models.TextChoices):
        PRESENT = "present", "Present"
        EXCUSED = "excused", "Absent, excused"
        UNEXCUSED = "unexcused", "Absent, unexcused"

    class Source(models.TextChoices):
        ACTIVITY = "activity", "From the lab machine's activity"
        TA = "ta", "Marked by a TA"

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attendance")
    day = models.ForeignKey(ProgramDay, on_delete=models.CASCADE, related_name="attendance")
    state = models.CharField(max_length=10, choices=State.choices)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.TA)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "day"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.enrollment.user} on {self.day.date}: {self.get_state_display()}"
