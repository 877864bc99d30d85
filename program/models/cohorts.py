"""Cohorts and what runs them: program days, enrollments and absences, the curriculum and its days and
exercises, rooms and sessions, lab machines, daily pair groups, TA duty, calendar feeds."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.timezone import localdate, now

from program.models.people import Role, User, validate_timezone
from program.validators import validate_http_url, validate_readings


class Cohort(models.Model):
    """One run of the bootcamp, e.g. MLAB3."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    optional_saturdays = models.BooleanField(
        default=True, help_text="Add a Saturday each week, marked optional for participants."
    )
    location = models.CharField(max_length=200, blank=True)
    curriculum = models.ForeignKey(
        "Curriculum", null=True, blank=True, on_delete=models.SET_NULL, related_name="cohorts"
    )
    help_webhook_url = models.URLField(
        blank=True, validators=[validate_http_url],
        help_text="Slack- or Discord-compatible incoming webhook: told when a help request waits too long.",
    )  # fmt: skip
    help_webhook_minutes = models.PositiveSmallIntegerField(
        default=10, help_text="Minutes of waiting before the webhook."
    )
    feedback_anonymous = models.BooleanField(
        default=False, help_text="Feedback and the end survey are stored without names (the coordinator's choice)."
    )

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="cohort_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_running(self, on: date | None = None) -> bool:
        on = on or localdate()
        return self.starts_on <= on <= self.ends_on


class ProgramDay(models.Model):
    """A day the cohort meets; `number` counts only program days (weekends simply do not exist)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    number = models.PositiveSmallIntegerField()
    is_optional = models.BooleanField(default=False)
    title = models.CharField(max_length=200, blank=True)
    curriculum_day = models.ForeignKey(
        "CurriculumDay", null=True, blank=True, on_delete=models.SET_NULL, related_name="program_days"
    )

    class Meta:
        ordering = ["cohort", "date"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "date"], name="one_program_day_per_date"),
            models.UniqueConstraint(fields=["cohort", "number"], name="program_day_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.cohort} day {self.number} ({self.date:%a %d %b})"


class Enrollment(models.Model):
    """A person taking part in a cohort as a participant or a TA."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        WITHDRAWN = "withdrawn", "Withdrawn"

    ROLE_CHOICES = [(Role.PARTICIPANT.value, "Participant"), (Role.TA.value, "TA")]

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(max_length=20, choices=ROLE_CHOICES)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    enrolled_at = models.DateTimeField(default=now)
    skill = models.PositiveSmallIntegerField(default=3, help_text="1–5, set by the coordinator (pairing balances it).")
    background = models.CharField(max_length=20, blank=True, help_text="student / professional")
    remote = models.BooleanField(default=False)
    max_days = models.PositiveSmallIntegerField(null=True, blank=True, help_text="TAs: most days they work.")
    topics = models.CharField(max_length=200, blank=True, help_text="TAs: comma-separated topics they know well.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "user", "role"], name="enrollment_once_per_role")]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort} ({self.get_role_display()})"


class Curriculum(models.Model):
    """A bootcamp curriculum as checked into its repository (imported by `manage.py import_curriculum`)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=100, blank=True, help_text="e.g. the repository's git tag or commit")
    imported_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()


class CurriculumDay(models.Model):
    curriculum = models.ForeignKey(Curriculum, on_delete=models.CASCADE, related_name="days")
    key = models.SlugField(max_length=60, help_text="Stable id across re-imports, e.g. 'w1d3' or 'transformers'.")
    number = models.PositiveSmallIntegerField()
    week = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=100, blank=True)
    readings = models.JSONField(
        default=list, blank=True, validators=[validate_readings], help_text="[{title, url}], http(s) links only"
    )
    lectures = models.JSONField(default=list, blank=True, help_text="Lecture topics for the day.")

    class Meta:
        ordering = ["curriculum", "number"]
        constraints = [models.UniqueConstraint(fields=["curriculum", "key"], name="curriculum_day_key_unique")]

    def __str__(self) -> str:
        return f"Day {self.number}: {self.title}"


class Exercise(models.Model):
    day = models.ForeignKey(CurriculumDay, on_delete=models.CASCADE, related_name="exercises")
    key = models.SlugField(max_length=100)
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    test_ids = models.JSONField(default=list, help_text="pytest node ids (without the file path) that check it.")
    retired = models.BooleanField(default=False, help_text="Gone from the latest import; kept so progress is not lost.")

    class Meta:
        ordering = ["day", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["day", "key"], name="exercise_key_unique")]

    def __str__(self) -> str:
        return self.title


class Absence(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="absences")
    day = models.ForeignKey(ProgramDay, on_delete=models.CASCADE, related_name="absences")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "day"], name="absence_once")]

    def __str__(self) -> str:
        return f"{self.enrollment.user} absent on {self.day}"


class DoNotPair(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="do_not_pair")
    first = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.first} ≠ {self.second}"


class Room(models.Model):
    """A room people work or meet in; lab machines stand in rooms and TAs are assigned to rooms."""

    name = models.CharField(max_length=100, unique=True)
    capacity = models.PositiveSmallIntegerField(default=0, help_text="Seats (0: not tracked).")
    pairs_per_ta = models.PositiveSmallIntegerField(default=6, help_text="One TA is wanted per this many pairs.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LabMachine(models.Model):
    """A GPU machine running the lab agent. The health fields are written by the progress collector."""

    name = models.SlugField(max_length=100, unique=True)
    url = models.URLField(help_text="The agent's base URL, e.g. http://10.0.0.12:8750")
    token = models.CharField(max_length=200, help_text="This machine's bearer token (one per machine).")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="machines")
    active = models.BooleanField(default=True)
    hostname = models.CharField(max_length=200, blank=True)
    agent_version = models.CharField(max_length=50, blank=True)
    gpus = models.JSONField(default=list, blank=True)
    gpus_note = models.CharField(max_length=300, blank=True)
    last_seq = models.BigIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    pulling_since = models.DateTimeField(null=True, blank=True, help_text="Set while a pull runs (the lock).")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PairGroup(models.Model):
    """A pair (or trio) working together on one program day, with the lab machine and workspace its
    lab reports use: this dated assignment is what links pulled progress to people."""

    day = models.ForeignKey(ProgramDay, on_delete=models.CASCADE, related_name="groups")
    members = models.ManyToManyField(User, related_name="pair_groups")
    locked = models.BooleanField(default=False, help_text="Kept as is when pairs are regenerated.")
    workspace = models.CharField(max_length=100)
    machine = models.ForeignKey(LabMachine, null=True, blank=True, on_delete=models.SET_NULL, related_name="groups")
    # Written by the progress collector, read by the progress pages.
    reported_at = models.DateTimeField(null=True, blank=True)
    last_progress_at = models.DateTimeField(
        null=True, blank=True, help_text="When a test last passed for the first time."
    )
    broken = models.CharField(
        max_length=300, blank=True, help_text="Why the latest report shows a test file not importing."
    )

    class Meta:
        ordering = ["day", "workspace"]
        constraints = [
            models.UniqueConstraint(fields=["day", "workspace"], name="workspace_once_per_day"),
            models.UniqueConstraint(fields=["day", "machine"], name="machine_once_per_day"),
        ]

    def __str__(self) -> str:
        return self.workspace


class Session(models.Model):
    """A lecture, reading block, pair-programming block or office hours on a program day."""

    class Kind(models.TextChoices):
        LECTURE = "lecture", "Lecture"
        READING = "reading", "Reading block"
        PAIRING = "pairing", "Pair programming"
        OFFICE_HOURS = "office_hours", "Office hours"

    day = models.ForeignKey(ProgramDay, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.LECTURE)
    title = models.CharField(max_length=200)
    speaker = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    link = models.URLField(blank=True, validators=[validate_http_url], help_text="Reading or slides (http or https).")

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class TAAssignment(models.Model):
    """A TA on duty in a room on a program day (at most one room a day)."""

    day = models.ForeignKey(ProgramDay, on_delete=models.CASCADE, related_name="ta_assignments")
    ta = models.ForeignKey(User, on_delete=models.CASCADE, related_name="ta_assignments")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="ta_assignments")

    class Meta:
        ordering = ["day", "room", "ta"]
        constraints = [models.UniqueConstraint(fields=["day", "ta"], name="ta_one_room_per_day")]

    def __str__(self) -> str:
        return f"{self.ta} in {self.room} on {self.day}"


def _feed_token() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A secret calendar URL for one person or one cohort; rotating it replaces the token."""

    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feed")
    cohort = models.OneToOneField(Cohort, null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    rotated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, cohort__isnull=True)
                | models.Q(user__isnull=True, cohort__isnull=False),
                name="feed_for_a_person_or_a_cohort",
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user or self.cohort}"

    def rotate(self) -> None:
        self.token, self.rotated_at = _feed_token(), now()
        self.save(update_fields=["token", "rotated_at"])
