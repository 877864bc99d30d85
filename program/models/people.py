"""People and roles: the custom user (email login), role assignments, the worker heartbeat."""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now

from program.text import strip_bidi


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

    def person_at(self, address: str) -> User | None:
        """The live account for mail or a form from this address: a merged account's address leads to
        the account it was merged into (through every later merge)."""
        user = self.with_email(address).first()
        for _ in range(20):  # a chain of merges, never a loop (a merge never points back)
            if user is None or user.merged_into_id is None:
                break
            user = self.get(pk=user.merged_into_id)
        return user

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
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Closed by a merge: the account that holds this person's records now.",
    )  # fmt: skip
    erased_at = models.DateTimeField(null=True, blank=True, help_text="Erased on request or by retention.")

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


class WorkerHeartbeat(models.Model):
    """Written by a periodic Celery task; /healthz shows when a worker last ran one."""

    name = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=200, blank=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
