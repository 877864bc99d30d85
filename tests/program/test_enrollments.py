"""A coordinator withdraws a person: they leave the cohort's days after today; past days stay."""

import pytest
import time_machine
from django.urls import reverse

from program.cohorts import pairs
from program.models import Enrollment, PairGroup, Role, StateEvent
from program.services import enroll
from tests.conftest import make_person


@pytest.fixture
def paired(cohort):
    people = [make_person(f"w{i}@example.org", full_name=f"W{i}") for i in range(4)]
    for person in people:
        enroll(cohort, person, role=Role.PARTICIPANT)
    days = list(cohort.days.order_by("date"))
    pairs.generate(cohort, from_day=days[0].date)
    return cohort, people, days


def test_withdrawing_leaves_future_pairs_and_keeps_past_ones(client, coordinator, paired):
    cohort, people, days = paired
    leaving = people[0]
    enrollment = Enrollment.objects.get(cohort=cohort, user=leaving)
    client.force_login(coordinator)

    with time_machine.travel(days[1].date):
        response = client.post(
            reverse("program:withdraw-enrollment", kwargs={"slug": cohort.slug, "pk": enrollment.pk}),
            {"note": "took a job"},
            follow=True,
        )

    enrollment.refresh_from_db()
    assert enrollment.status == "withdrawn"
    kept = set(PairGroup.objects.filter(members=leaving).values_list("day__date", flat=True))
    assert kept == {d.date for d in days[:2]}  # today and before stay
    assert "is withdrawn" in response.content.decode()
    event = StateEvent.objects.get(subject="program.enrollment", subject_id=enrollment.pk)
    assert (event.from_state, event.to_state, event.actor, event.note) == (
        "active",
        "withdrawn",
        coordinator,
        "took a job",
    )


def test_withdrawing_twice_is_refused_with_a_sentence(client, coordinator, paired):
    cohort, people, _days = paired
    enrollment = Enrollment.objects.get(cohort=cohort, user=people[1])
    client.force_login(coordinator)
    url = reverse("program:withdraw-enrollment", kwargs={"slug": cohort.slug, "pk": enrollment.pk})

    client.post(url, {"note": "moved away"})
    again = client.post(url, {"note": "again"}, follow=True)

    assert "An enrollment that is withdrawn cannot become withdrawn." in again.content.decode()
    assert StateEvent.objects.filter(subject="program.enrollment", subject_id=enrollment.pk).count() == 1


def test_the_cohort_page_offers_withdraw_only_to_those_who_may(client, coordinator, participant, cohort):
    client.force_login(coordinator)
    staff = client.get(reverse("program:cohort", kwargs={"slug": cohort.slug})).content.decode()
    client.force_login(participant)
    own = client.get(reverse("program:cohort", kwargs={"slug": cohort.slug})).content.decode()

    assert "Withdraw from tomorrow" in staff and "Withdraw from tomorrow" not in own
