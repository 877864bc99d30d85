import pytest

from applications.models import ApplicationEvent, ApplicationState
from applications.services import TransitionNotAllowed, create_application, transition_application
from tests.factories import CallFactory, UserFactory


@pytest.mark.django_db
def test_create_application_records_first_event_and_applicant_role():
    person = UserFactory()

    application = create_application(CallFactory(), person, source="email")

    assert application.state == ApplicationState.RECEIVED
    assert list(application.events.values_list("from_state", "to_state", "note")) == [("", "received", "via email")]
    assert person.roles == frozenset({"applicant"})


@pytest.mark.django_db
def test_transition_records_who_when_from_to_and_note(organizer):
    application = create_application(CallFactory(), UserFactory(), source="web")

    transition_application(application, to=ApplicationState.SUBMITTED, by=organizer, note="answers in")

    application.refresh_from_db()
    event = application.events.last()
    assert application.state == "submitted"
    assert (event.actor, event.from_state, event.to_state, event.note) == (
        organizer,
        "received",
        "submitted",
        "answers in",
    )
    assert event.at == application.state_changed_at


@pytest.mark.django_db
def test_transition_not_in_table_is_refused_and_changes_nothing(organizer):
    application = create_application(CallFactory(), UserFactory(), source="web")

    with pytest.raises(TransitionNotAllowed, match="received cannot become accepted"):
        transition_application(application, to=ApplicationState.ACCEPTED, by=organizer)

    application.refresh_from_db()
    assert application.state == "received"
    assert ApplicationEvent.objects.filter(application=application).count() == 1


@pytest.mark.django_db
def test_decided_application_cannot_be_withdrawn(organizer):
    application = create_application(CallFactory(), UserFactory(), source="web")
    for state in ["submitted", "in_review", "rejected"]:
        transition_application(application, to=state, by=organizer)

    with pytest.raises(TransitionNotAllowed):
        transition_application(application, to="withdrawn", by=application.applicant)
