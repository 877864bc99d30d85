from __future__ import annotations

import zoneinfo
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import localdate, now

from .text import strip_bidi
from .validators import validate_http_url, validate_readings


class Role(models.TextChoices):
    ORGANIZER = "organizer", "Organizer"
    COORDINATOR = "coordinator", "Coordinator"
    REVIEWER = "reviewer", "Reviewer"
    INTERVIEWER = "interviewer", "Interviewer"
    TA = "ta", "TA"
    PARTICIPANT = "participant", "Participant"
    APPLICANT = "applicant", "Applicant"


# Staff roles see other people's data; they get the Django admin (the first back office).
STAFF_ROLES = frozenset({Role.ORGANIZER, Role.COORDINATOR})
# The order in which a person with several roles lands on a dashboard.
ROLE_PRIORITY = [
    Role.ORGANIZER,
    Role.COORDINATOR,
    Role.REVIEWER,
    Role.INTERVIEWER,
    Role.TA,
    Role.PARTICIPANT,
    Role.APPLICANT,
]


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone (e.g. Europe/London).")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str) -> User:
        return self.with_email(username).get()

    def with_email(self, address: str) -> models.QuerySet[User]:
        """The person with this address, whatever its case: LOWER(email) = lower(address), which the
        case-insensitive unique index answers (email__iexact reads every row on both databases)."""
        return self.alias(email_ci=Lower("email")).filter(email_ci=address.strip().lower())


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Email is the login; applicants usually never set a password."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_staff = models.BooleanField(default=False, help_text="May open the admin back office.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return strip_bidi(self.full_name) or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    @property
    def display_name(self) -> str:
        """The name to show: bidirectional overrides removed (U+202E can make "Alice‮fdp.exe" read as
        "Alice exe.pdf"), the address's local part when there is no name."""
        return strip_bidi(self.full_name) or self.email.split("@")[0]

    @property
    def roles(self) -> frozenset[str]:
        """The person's roles, loaded once per user object (one query per request)."""
        if not self.is_authenticated or self.pk is None:
            return frozenset()
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = frozenset(self.role_assignments.values_list("role", flat=True))
            self._roles_cache = cached
        return cached

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def primary_role(self) -> str | None:
        return next((r for r in ROLE_PRIORITY if r in self.roles), None)

    def roles_in_order(self) -> list[str]:
        return [r for r in ROLE_PRIORITY if r in self.roles]


class RoleAssignment(models.Model):
    """One role held by one person. Written only by program.services.grant_role / revoke_role."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(default=now)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="role_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"


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


class WorkerHeartbeat(models.Model):
    """Written by a periodic Celery task; /healthz shows when a worker last ran one."""

    name = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=200, blank=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


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


def _score(label: str, *, null: bool = False) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, null=null, blank=null, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


class DayFeedback(models.Model):
    """Short feedback on one program day, from a participant or a TA. `respondent` is a keyed hash of
    the person and the day, so each person answers once (and may edit) even when names are not kept."""

    day = models.ForeignKey(ProgramDay, on_delete=models.CASCADE, related_name="feedback")
    role = models.CharField(max_length=20, choices=Enrollment.ROLE_CHOICES)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    respondent = models.CharField(max_length=64)
    how_went = _score("How did the day go?")
    difficulty = _score("How hard was it? (1 too easy, 5 too hard)")
    pair_experience = _score("How was working with your pair?", null=True)
    lecture_usefulness = _score("How useful was the lecture?", null=True)
    text = models.TextField("Anything else?", blank=True, max_length=5000)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "respondent"], name="day_feedback_once")]

    def __str__(self) -> str:
        return f"Feedback on {self.day}"


class EndSurvey(models.Model):
    """The end-of-program survey of a cohort."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="surveys")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    respondent = models.CharField(max_length=64)
    overall = _score("Overall, how was the program?")
    recommend = models.PositiveSmallIntegerField("Would you recommend it? (0–10)", validators=[MaxValueValidator(10)])
    surprised = models.TextField("What surprised you?", blank=True, max_length=5000)
    change = models.TextField("What should we change?", blank=True, max_length=5000)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "respondent"], name="end_survey_once")]

    def __str__(self) -> str:
        return f"End survey of {self.cohort}"
