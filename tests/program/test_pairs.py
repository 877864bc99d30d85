import pytest
from django.urls import reverse

from program.cohorts import pairs
from program.models import Absence, Enrollment, PairGroup, Role
from program.services import enroll
from tests.conftest import make_person


@pytest.fixture
def cohort_with_people(cohort):
    people = [make_person(f"p{i}@example.org", full_name=f"P{i:02d}") for i in range(9)]
    for person in people:
        enroll(cohort, person, role=Role.PARTICIPANT)
    Enrollment.objects.filter(cohort=cohort).update(skill=3)
    return cohort, people


def _groups(day):
    return sorted(sorted(u.pk for u in g.members.all()) for g in day.groups.all())


def test_generate_covers_every_present_person_each_day_without_repeats(cohort_with_people):
    cohort, people = cohort_with_people
    days = list(cohort.days.order_by("date"))
    Absence.objects.create(enrollment=Enrollment.objects.get(user=people[0]), day=days[1])

    meta = pairs.generate(cohort, from_day=days[0].date)

    assert meta["repeat_events"] == meta["repeat_events_lower_bound"]
    assert pairs.quality(cohort)["violations"] == {}
    assert sum(len(g) for g in _groups(days[1])) == 8 and people[0].pk not in {p for g in _groups(days[1]) for p in g}
    assert {g.workspace for g in days[0].groups.all()} == {f"{cohort.slug}-d01-g{i:02d}" for i in range(1, 5)}


def test_regenerating_keeps_past_days_and_locked_groups(cohort_with_people):
    cohort, people = cohort_with_people
    days = list(cohort.days.order_by("date"))
    pairs.generate(cohort, from_day=days[0].date)
    past = _groups(days[0])
    locked = days[3].groups.first()
    locked.locked = True
    locked.save()
    locked_members = sorted(u.pk for u in locked.members.all())

    pairs.generate(cohort, from_day=days[1].date, seed=7)

    assert _groups(days[0]) == past
    assert sorted(u.pk for u in PairGroup.objects.get(pk=locked.pk).members.all()) == locked_members
    assert pairs.quality(cohort)["violations"] == {}


def test_coordinator_swaps_two_people_on_the_board_and_a_participant_cannot(
    client, coordinator, participant, cohort_with_people
):
    cohort, people = cohort_with_people
    day = cohort.days.order_by("date").first()
    pairs.generate(cohort, from_day=day.date)
    a, b = (
        people[0],
        next(
            p for p in people[1:] if not PairGroup.objects.filter(day=day, members=people[0]).filter(members=p).exists()
        ),
    )
    client.force_login(participant)
    refused = client.post(reverse("program:board", kwargs={"slug": cohort.slug}), {"action": "generate"})
    client.force_login(coordinator)

    client.post(
        reverse("program:board", kwargs={"slug": cohort.slug}),
        {"action": "swap", "day": day.pk, "first": a.pk, "second": b.pk},
    )

    group_of_a = PairGroup.objects.get(day=day, members=a)
    assert refused.status_code == 403
    assert b.pk not in {u.pk for u in group_of_a.members.all()} and group_of_a.locked
    assert PairGroup.objects.get(day=day, members=b).locked


def test_board_figures_still_count_people_who_withdrew(cohort_with_people):
    cohort, people = cohort_with_people
    days = list(cohort.days.order_by("date"))
    pairs.generate(cohort, from_day=days[0].date)
    Enrollment.objects.filter(user=people[0]).update(status=Enrollment.Status.WITHDRAWN)

    figures = pairs.quality(cohort)

    assert figures["violations"] == {} and figures["repeat_events"] >= 0
