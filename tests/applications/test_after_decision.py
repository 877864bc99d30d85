from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import decisions
from applications.models import Answer, Application, Offer, Promotion, ReviewAssignment
from applications.questionnaires.templates import apply_template
from applications.review import reviews
from applications.services import transition_application
from grants.models import Grant
from program.models import Enrollment
from tests.conftest import make_person
from tests.factories import ApplicationFactory, CallFactory


def _in_review(call, n=1):
    apps = []
    for _ in range(n):
        app = ApplicationFactory(call=call)
        for state in ["submitted", "in_review"]:
            transition_application(app, to=state, by=None)
        apps.append(app)
    return apps


@pytest.fixture
def bootcamp_call(cohort):
    call = CallFactory(kind="participant", cohort=cohort, slug="mlab3-p")
    reviews.apply_rubric(call)
    return call


def test_confirmed_offer_enrolls_the_applicant_in_the_cohort(client, bootcamp_call, cohort, organizer):
    (app,) = _in_review(bootcamp_call)
    decisions.decide_application(app, decision="accepted", by=organizer)
    client.force_login(app.applicant)

    page = client.get(reverse("applications:detail", kwargs={"pk": app.pk}))
    client.post(reverse("applications:offer", kwargs={"pk": app.pk}), {"response": "confirm"})
    second = client.post(reverse("applications:offer", kwargs={"pk": app.pk}), {"response": "decline"}, follow=True)

    offer = Offer.objects.get()
    assert b"Confirm my place" in page.content
    assert offer.response == "confirmed"
    assert Enrollment.objects.filter(cohort=cohort, user=app.applicant, role="participant").exists()
    assert app.applicant.__class__.objects.get(pk=app.applicant_id).roles >= {"participant"}
    assert b"already answered" in second.content
    assert list(app.events.values_list("note", flat=True))[-1] == "confirmed attendance"


def test_decline_proposes_the_best_waitlisted_and_organizer_approves(
    bootcamp_call, organizer, django_capture_on_commit_callbacks
):
    accepted, weak, strong = _in_review(bootcamp_call, 3)
    reviewer = make_person("r@example.org", "reviewer")
    keys = [c.key for c in bootcamp_call.criteria.all()]
    for app, score in [(weak, 2), (strong, 5)]:
        ReviewAssignment.objects.create(application=app, reviewer=reviewer)
        reviews.save_review(
            app, reviewer=reviewer, scores=dict.fromkeys(keys, score), comment="", recommendation="yes", submit=True
        )
        decisions.decide_application(app, decision="waitlisted", by=organizer)
    decisions.decide_application(accepted, decision="accepted", by=organizer)

    decisions.respond_to_offer(accepted.offer, confirm=False, by=accepted.applicant)
    promotion = Promotion.objects.get()
    decisions.approve_promotion(promotion, by=organizer, approve=True)

    assert promotion.application == strong
    assert Application.objects.get(pk=strong.pk).state == "accepted"
    assert Offer.objects.get(application=strong).response == "pending"
    assert Application.objects.get(pk=weak.pk).state == "waitlisted"


def test_expired_offers_free_their_place_once(bootcamp_call, organizer):
    accepted, waiting = _in_review(bootcamp_call, 2)
    decisions.decide_application(waiting, decision="waitlisted", by=organizer)
    decisions.decide_application(accepted, decision="accepted", by=organizer)
    Offer.objects.update(respond_by=timezone.now() - timedelta(minutes=1))

    first, second = decisions.expire_offers(), decisions.expire_offers()

    assert (first, second) == (1, 0)
    assert Offer.objects.get(application=accepted).response == "expired"
    assert Promotion.objects.get().application == waiting
    with pytest.raises(decisions.OfferClosed):
        decisions.respond_to_offer(Offer.objects.get(application=accepted), confirm=True, by=accepted.applicant)


def test_accepted_grant_application_becomes_a_grant_proposal(organizer):
    call = CallFactory(kind="grant", slug="grants-x")
    questionnaire = apply_template(call)
    (app,) = _in_review(call)
    values = {"stipend_needed": "2800.00", "currency": "eur", "start_date": "2027-01-11", "study_plan": "DQN, PPO"}
    for question in questionnaire.questions.filter(key__in=values):
        Answer.objects.create(application=app, question=question, value=values[question.key])

    decisions.decide_application(app, decision="accepted", by=organizer)
    decisions.decide_application(app, decision="accepted", by=organizer)

    grant = Grant.objects.get()
    assert (grant.application, grant.grantee, grant.state) == (app, app.applicant, "proposed")
    assert (grant.monthly_stipend, grant.currency, grant.start_date.isoformat(), grant.study_plan) == (
        Decimal("2800.00"),
        "EUR",
        "2027-01-11",
        "DQN, PPO",
    )
    assert not Offer.objects.exists()
