import io
import random

import pandas as pd
import pytest
from django.urls import reverse

from applications.decisions import decide_application, respond_to_offer
from applications.models import Answer, Application, Offer, ReviewAssignment
from applications.questionnaires.templates import apply_template
from applications.review import reviews
from applications.review.analytics import call_analytics
from applications.services import transition_application
from program.models import Role
from tests.conftest import make_person
from tests.factories import ApplicationFactory, CallFactory


@pytest.fixture
def generated(cohort, organizer):
    """A call with random applications walked to random stages, and what the funnel should count."""
    rng = random.Random(7)
    call = CallFactory(kind="participant", cohort=cohort, slug="gen")
    questionnaire = apply_template(call)
    reviews.apply_rubric(call)
    background = questionnaire.questions.get(key="background")
    panel = [make_person(f"g{i}@example.org", Role.REVIEWER, full_name=f"G{i}") for i in range(3)]
    keys = [c.key for c in call.criteria.all()]
    expected = dict.fromkeys(["received", "submitted", "reviewed", "accepted", "confirmed"], 0)
    backgrounds = []
    for _ in range(30):
        app = ApplicationFactory(call=call, source=rng.choice(["email", "web"]))
        expected["received"] += 1
        stage = rng.randint(0, 4)
        if stage >= 1:
            transition_application(app, to="submitted", by=None)
            expected["submitted"] += 1
            choice = rng.choice(["Student", "Professional"])
            Answer.objects.create(application=app, question=background, value=choice)
            backgrounds.append(choice)
        if stage >= 2:
            transition_application(app, to="in_review", by=None)
            reviewer = rng.choice(panel)
            ReviewAssignment.objects.create(application=app, reviewer=reviewer)
            reviews.save_review(
                app,
                reviewer=reviewer,
                scores={k: rng.randint(1, 5) for k in keys},
                comment="",
                recommendation="yes",
                submit=True,
            )
            expected["reviewed"] += 1
        if stage >= 3:
            decide_application(app, decision="accepted", by=organizer)
            expected["accepted"] += 1
        if stage >= 4:
            respond_to_offer(Offer.objects.get(application=app), confirm=True, by=app.applicant)
            expected["confirmed"] += 1
    return call, expected, backgrounds


def test_funnel_and_mix_match_the_generated_data(generated):
    call, expected, backgrounds = generated

    data = call_analytics(call)

    funnel = dict(zip(data.funnel["stage"], data.funnel["count"]))
    assert {k: funnel[k] for k in expected} == expected and funnel["interviewed"] == 0
    assert dict(zip(data.background["background"], data.background["count"])) == {
        b: backgrounds.count(b) for b in set(backgrounds)
    }
    assert sum(data.sources["count"]) == expected["received"]
    assert data.reviewers["reviews"].sum() == expected["reviewed"]


def test_analytics_page_and_csv(client, generated, organizer, django_assert_max_num_queries):
    call, expected, _ = generated
    client.force_login(organizer)

    with django_assert_max_num_queries(12):
        page = client.get(reverse("applications:analytics", kwargs={"slug": call.slug}))
    csv = pd.read_csv(
        io.StringIO(client.get(reverse("applications:analytics-csv", kwargs={"slug": call.slug})).content.decode())
    )

    assert page.status_code == 200 and b"<svg" in page.content
    funnel = csv[csv["table"] == "funnel"].set_index("stage")["count"].astype(int).to_dict()
    assert funnel["received"] == expected["received"] and funnel["confirmed"] == expected["confirmed"]
    assert set(csv["table"]) >= {"funnel", "sources", "reviewers", "score_histogram"}
    assert Application.objects.filter(call=call).count() == expected["received"]
