from datetime import date

import pytest

from program.models import Enrollment, ProgramDay, Role, RoleAssignment
from program.services import (
    UnknownRole,
    enroll,
    generate_program_days,
    grant_role,
    parse_role,
    program_dates,
    revoke_role,
)
from tests.factories import CohortFactory, UserFactory


def test_parse_role_accepts_any_case_and_lists_valid_roles_when_unknown():
    assert parse_role(" Organizer ") == Role.ORGANIZER

    with pytest.raises(UnknownRole) as excinfo:
        parse_role("wizard")

    assert str(excinfo.value) == (
        "Unknown role 'wizard'. Valid roles: organizer, coordinator, reviewer, interviewer, ta, participant, applicant."
    )


@pytest.mark.django_db
def test_grant_role_is_idempotent_and_opens_admin_for_staff_roles():
    user = UserFactory()

    first = grant_role(user, Role.COORDINATOR)
    second = grant_role(user, "coordinator")

    user.refresh_from_db()
    assert (first, second) == (True, False)
    assert user.is_staff is True
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == ["coordinator"]
    assert user.roles == frozenset({"coordinator"})


@pytest.mark.django_db
def test_revoke_last_staff_role_closes_admin():
    user = UserFactory()
    grant_role(user, Role.ORGANIZER)
    grant_role(user, Role.REVIEWER)

    revoke_role(user, Role.ORGANIZER)

    user.refresh_from_db()
    assert user.is_staff is False
    assert user.roles == frozenset({"reviewer"})


@pytest.mark.django_db
def test_enroll_gives_role_once_and_refuses_staff_roles():
    cohort = CohortFactory()
    user = UserFactory()

    enroll(cohort, user, role=Role.TA)
    enroll(cohort, user, role=Role.TA)

    assert Enrollment.objects.filter(cohort=cohort, user=user).count() == 1
    assert user.roles == frozenset({"ta"})
    with pytest.raises(UnknownRole, match="enrolls participants and TAs"):
        enroll(cohort, user, role=Role.ORGANIZER)


def test_program_dates_are_weekdays_plus_optional_saturdays_minus_holidays():
    # Monday 2 Nov 2026 to Sunday 15 Nov 2026, with Wednesday 11 Nov a holiday.
    days = program_dates(date(2026, 11, 2), date(2026, 11, 15), optional_saturdays=True, skipped=[date(2026, 11, 11)])

    assert [(d.day, optional) for d, optional in days] == [
        (2, False),
        (3, False),
        (4, False),
        (5, False),
        (6, False),
        (7, True),
        (9, False),
        (10, False),
        (12, False),
        (13, False),
        (14, True),
    ]


def test_program_dates_without_saturdays_has_no_weekend():
    days = program_dates(date(2026, 11, 2), date(2026, 11, 15), optional_saturdays=False)

    assert {d.weekday() for d, _ in days} == {0, 1, 2, 3, 4}
    assert len(days) == 10


@pytest.mark.django_db
def test_generate_program_days_is_idempotent_and_renumbers_after_a_holiday():
    cohort = CohortFactory(starts_on=date(2026, 11, 2), ends_on=date(2026, 11, 6), optional_saturdays=False)
    first = generate_program_days(cohort)
    kept_id = first[4].pk  # Friday

    again = generate_program_days(cohort)
    with_holiday = generate_program_days(cohort, skipped=[date(2026, 11, 4)])

    assert [d.pk for d in again] == [d.pk for d in first]
    assert [(d.date.day, d.number) for d in with_holiday] == [(2, 1), (3, 2), (5, 3), (6, 4)]
    assert ProgramDay.objects.get(pk=kept_id).number == 4


@pytest.mark.django_db
def test_with_email_finds_the_person_whatever_the_case_through_the_index():
    from django.db import connection

    from program.models import User

    ada = User.objects.create_user("Ada@Example.org")
    assert User.objects.with_email("  ADA@example.ORG ").get() == ada
    assert User.objects.get_by_natural_key("ada@EXAMPLE.org") == ada
    assert not User.objects.with_email("bob@example.org").exists()
    # The lookup is LOWER(email) = lower(address), the expression the case-insensitive unique index holds.
    sql = str(User.objects.with_email("x@y.z").query)
    assert 'LOWER("program_user"."email") =' in sql
    if connection.vendor == "sqlite":
        assert "USING INDEX user_email_ci_unique" in User.objects.with_email("x@y.z").explain()
