"""Writes in the program app: roles, cohorts and their days, enrollments."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import STAFF_ROLES, Cohort, Enrollment, ProgramDay, Role, RoleAssignment, User, WorkerHeartbeat


class UnknownRole(ValueError):
    pass


def parse_role(value: str) -> Role:
    """Turn user input into a Role, or fail with a message listing the valid ones."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise UnknownRole(f"Unknown role {value!r}. Valid roles: {valid}.") from None


def grant_role(user: User, role: str, *, by: User | None = None) -> bool:
    """Give `user` the role; returns False when they already had it. Staff roles open the admin."""
    role = parse_role(role)
    if role in user.roles:
        return False
    # INSERT ... ON CONFLICT DO NOTHING: safe against a concurrent grant, no savepoint needed.
    created = bool(
        RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=role, granted_by=by)], ignore_conflicts=True)
    )
    if role in STAFF_ROLES and not user.is_staff:
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
    user.__dict__.pop("_roles_cache", None)
    return created


def revoke_role(user: User, role: str) -> bool:
    role = parse_role(role)
    with transaction.atomic():
        deleted, _ = RoleAssignment.objects.filter(user=user, role=role).delete()
        remaining = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        if user.is_staff and not user.is_superuser and not remaining & STAFF_ROLES:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
    user.__dict__.pop("_roles_cache", None)
    return bool(deleted)


def enroll(cohort: Cohort, user: User, *, role: str, by: User | None = None) -> Enrollment:
    """Enroll a person in a cohort as participant or TA (idempotent) and give them that role."""
    role = parse_role(role)
    if role not in (Role.PARTICIPANT, Role.TA):
        raise UnknownRole(f"A cohort enrolls participants and TAs, not {role.label.lower()}s.")
    with transaction.atomic():
        enrollment, _ = Enrollment.objects.get_or_create(cohort=cohort, user=user, role=role)
        grant_role(user, role, by=by)
    return enrollment


def program_dates(
    starts_on: date, ends_on: date, *, optional_saturdays: bool, skipped: Iterable[date] = ()
) -> list[tuple[date, bool]]:
    """Every (date, is_optional) the cohort meets: Monday to Friday, plus optional Saturdays."""
    skipped = set(skipped)
    days = []
    current = starts_on
    while current <= ends_on:
        weekday = current.weekday()
        if current not in skipped and (weekday < 5 or (weekday == 5 and optional_saturdays)):
            days.append((current, weekday == 5))
        current += timedelta(days=1)
    return days


def generate_program_days(cohort: Cohort, *, skipped: Iterable[date] = ()) -> list[ProgramDay]:
    """Create the cohort's program days (idempotent: existing dates are kept, numbers refreshed)."""
    dates = program_dates(
        cohort.starts_on, cohort.ends_on, optional_saturdays=cohort.optional_saturdays, skipped=skipped
    )
    with transaction.atomic():
        existing = {d.date: d for d in ProgramDay.objects.select_for_update().filter(cohort=cohort)}
        wanted = {d for d, _ in dates}
        ProgramDay.objects.filter(cohort=cohort).exclude(date__in=wanted).delete()
        # Renumber in two passes so the (cohort, number) constraint never sees a duplicate.
        ProgramDay.objects.filter(cohort=cohort).update(number=F("number") + 10000)
        result = []
        for number, (day_date, optional) in enumerate(dates, start=1):
            day = existing.get(day_date)
            if day is None:
                day = ProgramDay.objects.create(cohort=cohort, date=day_date, number=number, is_optional=optional)
            else:
                day.number, day.is_optional = number, optional
                day.save(update_fields=["number", "is_optional"])
            result.append(day)
    return result


def record_heartbeat(name: str = "worker") -> WorkerHeartbeat:
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"hostname": socket.gethostname(), "seen_at": timezone.now()}
    )
    return heartbeat


def current_cohort(user: User, today=None) -> Cohort | None:
    """The cohort a person's daily pages are about: for staff any cohort, otherwise one they are
    enrolled in; the one running today, else the next to start, else the latest. One query."""
    today = today or timezone.localdate()
    cohorts = Cohort.objects.all()
    if not (Role.ORGANIZER in user.roles or Role.COORDINATOR in user.roles):
        cohorts = cohorts.filter(enrollments__user=user, enrollments__status=Enrollment.Status.ACTIVE)
    candidates = list(cohorts.order_by("starts_on").distinct()[:50])
    running = [c for c in candidates if c.starts_on <= today <= c.ends_on]
    upcoming = [c for c in candidates if c.starts_on > today]
    return (running or upcoming or candidates[-1:] or [None])[0]


def person_for_email(email: str, full_name: str = "") -> User:
    """The person with this address (case-insensitive), or a new one with an unverified address: they
    sign in with an emailed code when they first come."""

    user = User.objects.person_at(email)
    if user is not None:
        return user
    user = User.objects.create_user(email.strip().lower(), full_name=full_name[:200])
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user
