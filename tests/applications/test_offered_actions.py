"""Pages offer only legal moves: in every state, the decision form lists exactly the decisions the
transitions table allows, and only to a person who may decide."""

import re

import pytest
from django.urls import reverse

from applications.decisions import ACTIONS
from applications.models import ApplicationState
from applications.services import APPLICATIONS, create_application
from tests.factories import CallFactory, UserFactory


@pytest.mark.parametrize("state", ApplicationState.values)
def test_the_decision_form_offers_exactly_the_allowed_moves(client, organizer, reviewer, state):
    application = create_application(CallFactory(), UserFactory(), source="web")
    type(application).objects.filter(pk=application.pk).update(state=state)
    client.force_login(organizer)

    page = client.get(reverse("applications:detail", kwargs={"pk": application.pk})).content.decode()

    select = re.search(r'<select id="decide-action" name="action">(.*?)</select>', page, re.S)
    offered = re.findall(r'<option value="([a-z_]+)">', select.group(1)) if select else []
    assert offered == [value for value, _ in ACTIONS if value in APPLICATIONS.allowed(state)]


def test_a_reviewer_is_offered_no_decision(client, reviewer, organizer):
    from applications.models import ReviewAssignment
    from applications.services import transition_application

    application = create_application(CallFactory(), UserFactory(), source="web")
    for state in ("submitted", "in_review"):
        transition_application(application, to=state, by=organizer)
    ReviewAssignment.objects.create(application=application, reviewer=reviewer)
    client.force_login(reviewer)

    page = client.get(reverse("applications:detail", kwargs={"pk": application.pk})).content.decode()

    assert 'id="decide-action"' not in page
