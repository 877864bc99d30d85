from collections import Counter

import pytest
from django.apps import apps
from django.core.management import call_command

from applications.models import Application, Call
from grants.models import Grant
from program.models import Cohort, Enrollment, ProgramDay, Role, User


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_builds_the_mlab3_program():
    call_command("seed_demo", "--quiet")

    cohort = Cohort.objects.get(slug="mlab3")
    days = ProgramDay.objects.filter(cohort=cohort)
    assert cohort.name == "MLAB3"
    assert Counter(Enrollment.objects.filter(cohort=cohort).values_list("role", flat=True)) == {
        "participant": 32,
        "ta": 4,
    }
    assert (days.filter(is_optional=False).count(), {d.date.weekday() for d in days.filter(is_optional=False)}) == (
        15,
        {0, 1, 2, 3, 4},
    )
    assert {d.date.weekday() for d in days.filter(is_optional=True)} == {5}
    assert sorted(Call.objects.values_list("kind", flat=True)) == ["grant", "participant", "ta"]
    assert Application.objects.count() == 60
    assert len(set(Application.objects.values_list("state", flat=True))) == 9
    assert sorted(Grant.objects.values_list("state", flat=True)) == [
        "active",
        "approved",
        "cancelled",
        "completed",
        "proposed",
    ]
    for role in Role:
        assert User.objects.filter(role_assignments__role=role).exists(), role


@pytest.mark.django_db
def test_every_demo_application_history_is_a_chain_of_events():
    call_command("seed_demo", "--quiet")

    for application in Application.objects.prefetch_related("events"):
        states = [(e.from_state, e.to_state) for e in application.events.all()]
        assert states[0] == ("", "received")
        assert all(prev[1] == nxt[0] for prev, nxt in zip(states, states[1:]))
        assert states[-1][1] == application.state


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", "--quiet")
    before = _row_counts()
    users_before = list(User.objects.order_by("pk").values_list("pk", "email", "password", "is_staff"))

    call_command("seed_demo", "--quiet")

    assert _row_counts() == before
    assert list(User.objects.order_by("pk").values_list("pk", "email", "password", "is_staff")) == users_before
