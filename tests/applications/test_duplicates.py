"""One person, two accounts: each signal alone lists a pair, look-alikes that are not the same person do
not, the name only adds evidence, nothing is merged, a dismissal sticks, and arrival triggers the scan."""

import pytest
from django.urls import reverse

from applications import duplicates
from applications.models import Answer, Document, PossibleDuplicate, Question, Questionnaire
from applications.services import create_application, transition_application
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db


def _applicant(email, name="Ada Lovelace", *, resume=None, link=None):
    person = UserFactory(email=email, full_name=name)
    call = CallFactory()
    application = create_application(call, person, source="web")
    if resume:
        Document.objects.create(application=application, kind=Document.Kind.RESUME, sha256=resume, size=10)
    if link:
        questionnaire = Questionnaire.objects.create(call=call, title="Q")
        question = Question.objects.create(questionnaire=questionnaire, key="github", kind="url", label="GitHub")
        Answer.objects.create(application=application, question=question, value=link)
    return person


def _pairs():
    return {frozenset((d.first_id, d.second_id)) for d in PossibleDuplicate.objects.all()}


@pytest.mark.parametrize(
    "first,second",
    [
        ({"email": "ada@example.org"}, {"email": "Ada+grants@Example.org", "name": "A. King"}),
        ({"email": "ada@example.org", "resume": "a" * 64}, {"email": "countess@else.org", "resume": "a" * 64}),
        (
            {"email": "ada@example.org", "link": "https://github.com/AdaL/"},
            {"email": "al@else.org", "link": "www.github.com/adal"},
        ),
    ],
    ids=["address", "resume", "profile-link"],
)
def test_each_signal_alone_lists_the_pair_with_its_evidence(first, second):
    a = _applicant(first.pop("email"), **first)
    b = _applicant(second.pop("email"), **second)

    found = duplicates.scan_for(b)

    assert _pairs() == {frozenset((a.pk, b.pk))} and len(found) == 1
    assert found[0].evidence and found[0].status == "open"


@pytest.mark.parametrize(
    "first,second",
    [
        ({"email": "ada@example.org"}, {"email": "adam@example.org"}),  # another person, one letter more
        ({"email": "ada@example.org"}, {"email": "ada@example.com"}),  # another domain
        ({"email": "maria@x.org", "name": "María García"}, {"email": "mgarcia@y.org", "name": "Maria Garcia"}),
        ({"email": "a@x.org", "link": "https://github.com"}, {"email": "b@y.org", "link": "github.com/"}),
        ({"email": "a@x.org", "link": "linkedin.com/in/"}, {"email": "b@y.org", "link": "https://linkedin.com/in"}),
    ],
    ids=["one-letter", "other-domain", "same-name-alone", "bare-host", "profile-less-path"],
)
def test_look_alikes_that_are_not_the_same_person_are_not_listed(first, second):
    _applicant(first.pop("email"), **first)
    b = _applicant(second.pop("email"), **second)

    assert duplicates.scan_for(b) == [] and _pairs() == set()


def test_the_same_name_adds_evidence_to_another_signal_and_a_dismissal_sticks(organizer):
    a = _applicant("ada@example.org", "Ada Lovelace", resume="b" * 64)
    b = _applicant("ada.l@else.org", "ADA  LOVELACE", resume="b" * 64)

    (row,) = duplicates.scan_for(b)
    assert any(s.startswith("the same name") for s in row.evidence) and len(row.evidence) == 2
    duplicates.dismiss(row, by=organizer, note="twins")
    again = duplicates.scan_for(a)

    row.refresh_from_db()
    assert again == [] and PossibleDuplicate.objects.count() == 1
    assert (row.status, row.decided_by, row.note) == ("dismissed", organizer, "twins")


def test_an_arriving_and_a_submitted_application_trigger_the_scan(django_capture_on_commit_callbacks):
    from applications import tasks  # noqa: PLC0415

    first = _applicant("ada@example.org")
    person = UserFactory(email="ADA+bootcamp@example.org")
    application = create_application(CallFactory(), person, source="email")

    tasks.task_acknowledge_application(application.pk)  # arrival: the acknowledgement task looks too
    assert _pairs() == {frozenset((first.pk, person.pk))}

    PossibleDuplicate.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        transition_application(application, to="questionnaire_sent", by=None)
        transition_application(application, to="submitted", by=None)
    assert _pairs() == {frozenset((first.pk, person.pk))}


def test_organizers_see_the_evidence_and_say_not_the_same_person(client, organizer, reviewer):
    a = _applicant("ada@example.org")
    b = _applicant("ada+x@example.org")
    (row,) = duplicates.scan_for(b)
    client.force_login(organizer)

    page = client.get(reverse("applications:duplicates"))
    response = client.post(reverse("applications:duplicate-dismiss", kwargs={"pk": row.pk}), {"note": "checked"})
    client.force_login(reviewer)
    refused = client.get(reverse("applications:duplicates"))

    assert page.status_code == 200 and a.email.encode() in page.content and b"same address" in page.content
    assert response.status_code == 302 and PossibleDuplicate.objects.get().status == "dismissed"
    assert refused.status_code == 403


def test_the_application_page_shows_the_person_before_to_organizers_and_only_by_choice_to_reviewers(
    client, organizer, reviewer
):
    from applications.models import ReviewAssignment  # noqa: PLC0415
    from program.models import Role  # noqa: PLC0415
    from program.services import enroll, grant_role  # noqa: PLC0415
    from tests.factories import CohortFactory  # noqa: PLC0415

    earlier = _applicant("ada@example.org")
    enroll(CohortFactory(name="MLAB2", slug="mlab2"), earlier, role=Role.PARTICIPANT)
    later = create_application(CallFactory(name="Grants 2027"), earlier, source="web")
    other = _applicant("ada+grants@example.org")
    duplicates.scan_for(other)
    grant_role(reviewer, Role.REVIEWER)
    ReviewAssignment.objects.create(application=later, reviewer=reviewer)
    url = reverse("applications:detail", kwargs={"pk": later.pk})

    client.force_login(organizer)
    seen = client.get(url).content.decode()
    client.force_login(reviewer)
    blind = client.get(url).content.decode()
    later.call.reviewers_see_history = True
    later.call.save()
    open_review = client.get(url).content.decode()

    assert "This person before" in seen and "MLAB2" in seen and "Possibly the same person" in seen
    assert "ada+grants@example.org" in seen
    assert "This person before" not in blind and "MLAB2" not in blind
    assert "This person before" in open_review
