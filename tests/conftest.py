import os

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core.cache import cache

from program.models import Role
from program.services import enroll, generate_program_days, grant_role
from tests.factories import CohortFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


# The lab tests run these with pytest themselves (as a lab machine would); never collect them here.
collect_ignore_glob = ["fixtures/*"]


def _require(available: bool, what: str) -> None:
    """Skip when a real server is missing, except under CI=true, where that is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not configured", pytrace=False)
    pytest.skip(f"{what} not available on this machine")


def uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def uses_redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith("redis://")


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        _require(uses_postgres(), "PostgreSQL (DATABASE_URL)")
    if item.get_closest_marker("redis"):
        _require(uses_redis(), "Redis (CELERY_BROKER_URL)")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth rate limits live in the cache; each test starts with none used.
    cache.clear()
    yield
    cache.clear()


def make_person(email: str, *roles: str, **extra):
    user = UserFactory(email=email, **extra)
    for role in roles:
        grant_role(user, role)
    return user


def activate_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def organizer(db):
    user = make_person("alice.organizer@example.org", Role.ORGANIZER, full_name="Alice Organizer")
    activate_totp(user)
    return user


@pytest.fixture
def organizer_without_2fa(db):
    user = make_person("olga.no2fa@example.org", Role.ORGANIZER)
    assert not Authenticator.objects.filter(user=user).exists()
    return user


@pytest.fixture
def coordinator(db):
    return make_person("carol.coordinator@example.org", Role.COORDINATOR, full_name="Carol Coordinator")


@pytest.fixture
def reviewer(db):
    return make_person("rita.reviewer@example.org", Role.REVIEWER, full_name="Rita Reviewer")


@pytest.fixture
def interviewer(db):
    return make_person("ivo.interviewer@example.org", Role.INTERVIEWER, full_name="Ivo Interviewer")


@pytest.fixture
def cohort(db):
    cohort = CohortFactory(name="MLAB3", slug="mlab3")
    generate_program_days(cohort)
    return cohort


@pytest.fixture
def other_cohort(db):
    cohort = CohortFactory(name="MLAB2", slug="mlab2")
    generate_program_days(cohort)
    return cohort


@pytest.fixture
def ta(cohort):
    user = make_person("tom.ta@example.org", full_name="Tom TA")
    enroll(cohort, user, role=Role.TA)
    return user


@pytest.fixture
def participant(cohort):
    user = make_person("pia.participant@example.org", full_name="Pia Participant")
    enroll(cohort, user, role=Role.PARTICIPANT)
    return user


@pytest.fixture
def applicant(db):
    return make_person("bob.applicant@example.org", Role.APPLICANT, full_name="Bob Applicant")


@pytest.fixture
def other_applicant(db):
    return make_person("charlie.applicant@example.org", Role.APPLICANT, full_name="Charlie Applicant")


@pytest.fixture
def nobody(db):
    return make_person("nora.norole@example.org", full_name="Nora Norole")


ROLE_FIXTURES = ["organizer", "coordinator", "reviewer", "interviewer", "ta", "participant", "applicant"]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 that Django's SMTP backend sends to; yields its handler."""
    from tests.servers.smtp import SmtpSink, point_django_at  # noqa: PLC0415

    with SmtpSink() as sink:
        point_django_at(settings, sink.port)
        yield sink.handler
