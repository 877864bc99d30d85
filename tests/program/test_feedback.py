"""Daily feedback, the end survey, and the summaries checked against a plain recomputation."""

import random
import statistics

import pytest
from django.urls import reverse

from program.feedback import answers as feedback
from program.models import Absence, DayFeedback, Enrollment, Role
from program.services import enroll
from tests.conftest import make_person


@pytest.fixture
def crowd(cohort):
    people = [make_person(f"p{i}@example.org", full_name=f"P{i:02d}") for i in range(12)]
    tas = [make_person(f"t{i}@example.org", full_name=f"T{i}") for i in range(2)]
    for person in people:
        enroll(cohort, person, role=Role.PARTICIPANT)
    for ta in tas:
        enroll(cohort, ta, role=Role.TA)
    return cohort, people, tas, list(cohort.days.order_by("date"))


def test_summary_matches_a_plain_recomputation_on_generated_answers(crowd):
    cohort, people, tas, days = crowd
    rng = random.Random(7)
    Absence.objects.create(enrollment=Enrollment.objects.get(user=people[0]), day=days[1])
    given = {}
    for day in days[:5]:
        for person in rng.sample(people, 8):
            answers = {s: rng.randint(1, 5) for s in feedback.SCORES} | {"text": ""}
            feedback.submit_day(person, day, answers)
            given[(day.number, person.pk)] = answers
    feedback.submit_day(people[1], days[0], {s: 5 for s in feedback.SCORES} | {"text": "changed my mind"})
    given[(1, people[1].pk)] = {s: 5 for s in feedback.SCORES}

    table = feedback.day_table(cohort).set_index(["role", "day"])

    for day in days[:5]:
        mine = [a for (number, _), a in given.items() if number == day.number]
        row = table.loc[("participant", day.number)]
        expected_people = 12 - (1 if day.number == 2 else 0)
        assert row["responses"] == len(mine) and row["expected"] == expected_people
        assert row["response_rate"] == round(len(mine) / expected_people, 3)
        for score in feedback.SCORES:
            assert row[score] == round(statistics.mean(a[score] for a in mine), 2)
    assert table.loc[("participant", 6), "responses"] == 0
    assert DayFeedback.objects.filter(day=days[0]).count() == len([k for k in given if k[0] == 1])


def test_anonymous_cohort_keeps_no_names_but_one_answer_per_person(crowd, client, coordinator):
    cohort, people, tas, days = crowd
    cohort.feedback_anonymous = True
    cohort.save()
    answers = {s: 3 for s in feedback.SCORES} | {"text": "The einsum day was great"}
    feedback.submit_day(people[0], days[0], answers)
    feedback.submit_day(people[0], days[0], answers | {"text": "The einsum day was great!"})
    client.force_login(coordinator)

    body = client.get(reverse("program:feedback-summary", kwargs={"slug": cohort.slug})).content.decode()

    stored = DayFeedback.objects.get()
    assert stored.user is None and stored.text.endswith("!")
    assert "The einsum day was great!" in body and people[0].display_name not in body


def test_named_feedback_shows_who_and_tas_answer_without_the_pair_question(crowd, client):
    cohort, people, tas, days = crowd
    client.force_login(tas[0])

    form = client.get(reverse("program:feedback")).content.decode()
    client.post(
        reverse("program:feedback") + f"?day={days[0].pk}",
        {"how_went": 4, "difficulty": 3, "lecture_usefulness": 5, "text": "Pair 3 needed help with shapes"},
    )

    stored = DayFeedback.objects.get()
    assert "How was working with your pair" not in form and "Which pairs needed help" in form
    assert (stored.role, stored.user, stored.pair_experience) == ("ta", tas[0], None)
    texts = feedback.texts(cohort)
    assert texts[0]["answers"][0] == {"role": "ta", "text": "Pair 3 needed help with shapes", "who": "T0"}


def test_end_survey_summary_and_chart(crowd, client, coordinator):
    cohort, people, tas, days = crowd
    for i, person in enumerate(people[:4]):
        feedback.submit_survey(
            person, cohort, {"overall": 4 + i % 2, "recommend": [10, 9, 7, 3][i], "surprised": f"s{i}", "change": ""}
        )
        feedback.submit_day(person, days[0], {s: 4 for s in feedback.SCORES} | {"text": ""})
    with pytest.raises(feedback.FeedbackError):
        feedback.submit_survey(tas[0], cohort, {"overall": 5, "recommend": 10, "surprised": "", "change": ""})
    client.force_login(coordinator)

    summary = feedback.survey_summary(cohort)
    body = client.get(reverse("program:feedback-summary", kwargs={"slug": cohort.slug})).content.decode()
    csv = client.get(reverse("program:feedback-summary", kwargs={"slug": cohort.slug}) + "?format=csv").content.decode()

    assert summary["responses"] == 4 and summary["overall"] == 4.5 and summary["nps"] == 25  # (2 - 1) / 4
    assert '<svg viewBox="0 0 640 200"' in body and "s3" in body
    assert (
        csv.splitlines()[0]
        == "role,day,date,responses,expected,response_rate,how_went,difficulty,pair_experience,lecture_usefulness"
    )


def test_one_day_of_answers_draws_a_chart_and_no_cell_says_nan(crowd, client, coordinator):
    cohort, people, tas, days = crowd
    feedback.submit_day(people[0], days[0], {"how_went": 4, "difficulty": 3, "text": ""})
    client.force_login(coordinator)

    page = client.get(reverse("program:feedback-summary", kwargs={"slug": cohort.slug})).content.decode()

    assert "<circle" in page  # a dot per score on the one day answered
    assert "nan" not in page.lower().replace("nancy", "")
    assert "–" in page  # the unanswered scores
