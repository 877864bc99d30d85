"""Referees: named by the applicant, asked through the outbox with a one-time link that expires and
reveals only the applicant's name and the program; letters checked like resumes and confidential;
resend and replace kill the old link; one reminder before the deadline; a referee who reviews is a
conflict, declared automatically."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications import referees
from applications.models import ConflictOfInterest, OutboundMessage, Referee
from applications.services import create_application
from program.models import FileAccess
from program.services import grant_role
from tests.factories import CallFactory, UserFactory
from tests.fixtures.mail.make_corpus import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(db):
    call = CallFactory(kind="grant", referees_required=2, closes_at=timezone.now() + timedelta(days=20))
    person = UserFactory(email="ada@example.org", full_name="Ada Lovelace")
    return create_application(call, person, source="web")


def _link(referee: Referee) -> str:
    mail = OutboundMessage.objects.filter(to_email=referee.email).order_by("-pk").first()
    return re.search(r"https?://\S+/applications/referees/(\S+)/", mail.body_text).group(1)


def test_naming_a_referee_emails_a_link_whose_page_shows_only_the_name_and_program(client, application):
    referee = referees.name_referee(application, name="Charles Babbage", email="Charles@Example.org")
    mail = OutboundMessage.objects.get(to_email="charles@example.org")
    token = _link(referee)

    page = client.get(reverse("applications:referee-letter", kwargs={"token": token}))

    assert mail.kind == "referee-request" and "Ada Lovelace" in mail.subject
    text = page.content.decode()
    assert page.status_code == 200 and "Ada Lovelace" in text and application.call.name in text
    assert "ada@example.org" not in text and f"/applications/{application.pk}/" not in text
    assert page["Referrer-Policy"] == "same-origin" and "no-store" in page["Cache-Control"]
    assert referee.token_hash != token and len(token) >= 40  # only the hash is stored


def test_a_letter_is_accepted_once_then_the_link_is_dead(client, application):
    referee = referees.name_referee(application, name="Charles Babbage", email="charles@example.org")
    url = reverse("applications:referee-letter", kwargs={"token": _link(referee)})
    letter = pdf("A fine mathematician")

    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    sent = client.post(url, {"letter": SimpleUploadedFile("letter.pdf", letter, "application/pdf")})
    again = client.post(url, {"text": "a second letter"})
    referee.refresh_from_db()

    assert sent.status_code == 200 and "Thank you" in sent.content.decode()
    assert again.status_code == 410 and referee.letter_text == ""
    with referee.letter.open("rb") as stored:
        assert referee.state == "received" and stored.read() == letter


@pytest.mark.parametrize("data", [b"MZ\x90\x00 an exe", b"PK\x03\x04 not an office file", b""])
def test_a_file_refused_like_a_resume_keeps_the_link_alive(client, application, data):
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    referee = referees.name_referee(application, name="C B", email="cb@example.org")
    url = reverse("applications:referee-letter", kwargs={"token": _link(referee)})

    refused = client.post(url, {"letter": SimpleUploadedFile("x.pdf", data)} if data else {"text": "  "})
    referee.refresh_from_db()

    assert refused.status_code == 400 and referee.state == "asked"
    assert client.get(url).status_code == 200


def test_links_expire_when_the_call_closes_unless_late_letters_are_allowed(client, application):
    referee = referees.name_referee(application, name="C B", email="cb@example.org")
    token = _link(referee)

    with time_machine.travel(application.call.closes_at + timedelta(minutes=1), tick=False):
        closed = client.get(reverse("applications:referee-letter", kwargs={"token": token}))
    application.call.late_letters = True
    application.call.save()
    late = referees.name_referee(application, name="D E", email="de@example.org")
    with time_machine.travel(application.call.closes_at + timedelta(days=5), tick=False):
        still = client.get(reverse("applications:referee-letter", kwargs={"token": _link(late)}))

    assert closed.status_code == 410 and "expired" in closed.content.decode()
    assert still.status_code == 200


def test_resend_and_replace_kill_the_old_link(client, application):
    referee = referees.name_referee(application, name="C B", email="cb@example.org")
    first = _link(referee)
    referees.resend(referee)
    second = _link(referee)
    referees.replace(Referee.objects.get(pk=referee.pk), name="D E", email="de@example.org")

    statuses = [
        client.get(reverse("applications:referee-letter", kwargs={"token": t})).status_code for t in (first, second)
    ]

    assert first != second and statuses == [410, 410]
    assert list(application.referees.values_list("email", "state")) == [
        ("cb@example.org", "replaced"), ("de@example.org", "asked")
    ]  # fmt: skip


def test_the_call_sets_how_many_and_the_applicant_cannot_name_themselves(application):
    with pytest.raises(referees.RefereeError, match="not yours"):
        referees.name_referee(application, name="Me", email="ADA@example.org")
    referees.name_referee(application, name="A", email="a@example.org")
    with pytest.raises(referees.RefereeError, match="already one of your referees"):
        referees.name_referee(application, name="A again", email="a@example.org")
    referees.name_referee(application, name="B", email="b@example.org")
    with pytest.raises(referees.RefereeError, match="asks for 2 referees"):
        referees.name_referee(application, name="C", email="c@example.org")


def test_one_reminder_per_referee_before_the_deadline(application):
    referee = referees.name_referee(application, name="C B", email="cb@example.org")
    closes = application.call.closes_at

    early = referees.remind_before_deadline(closes - timedelta(days=5))
    due = referees.remind_before_deadline(closes - timedelta(days=2))
    again = referees.remind_before_deadline(closes - timedelta(days=1))

    assert (early, due, again) == (0, 1, 0)
    assert OutboundMessage.objects.filter(to_email=referee.email, kind="referee-reminder").count() == 1


def test_a_referee_who_reviews_is_a_conflict_automatically(application):
    reviewer = UserFactory(email="babbage@example.org")
    grant_role(reviewer, "reviewer")

    referees.name_referee(application, name="Charles Babbage", email="Babbage@example.org")

    conflict = ConflictOfInterest.objects.get(application=application)
    assert conflict.reviewer == reviewer and "referee" in conflict.reason


def test_the_applicant_sees_received_never_the_letter_and_staff_read_it(client, application, organizer):
    referee = referees.name_referee(application, name="Charles Babbage", email="cb@example.org")
    referees.submit_letter(referee, text="She is the most remarkable analyst I know.")
    referee.refresh_from_db()
    client.force_login(application.applicant)
    own = client.get(reverse("applications:detail", kwargs={"pk": application.pk})).content.decode()
    client.force_login(organizer)
    staff = client.get(reverse("applications:detail", kwargs={"pk": application.pk})).content.decode()

    assert "received" in own and "remarkable analyst" not in own
    assert "remarkable analyst" in staff


def test_the_letter_file_is_for_staff_only_and_opening_it_is_recorded(client, application, organizer):
    referee = referees.name_referee(application, name="C B", email="cb@example.org")
    referees.submit_letter(referee, filename="letter.pdf", data=pdf("letter"))
    url = reverse("applications:referee-letter-file", kwargs={"pk": application.pk, "referee_pk": referee.pk})

    client.force_login(application.applicant)
    own = client.get(url)
    client.force_login(organizer)
    staff = client.get(url)
    body = b"".join(staff.streaming_content)

    assert own.status_code == 403 and staff.status_code == 200 and body.startswith(b"%PDF")
    assert staff["X-Content-Type-Options"] == "nosniff"
    assert FileAccess.objects.filter(person=application.applicant, by=organizer).count() == 1


def test_only_the_applicant_names_resends_or_replaces(client, application, organizer, other_applicant):
    referee = referees.name_referee(application, name="C B", email="cb@example.org")
    urls = [
        reverse("applications:referee-add", kwargs={"pk": application.pk}),
        reverse("applications:referee-resend", kwargs={"pk": application.pk, "referee_pk": referee.pk}),
        reverse("applications:referee-replace", kwargs={"pk": application.pk, "referee_pk": referee.pk}),
    ]
    statuses = {}
    for who in (other_applicant, organizer, application.applicant):
        client.force_login(who)
        statuses[who.email] = [client.post(u, {"name": "X Y", "email": "xy@example.org"}).status_code for u in urls]

    assert statuses[other_applicant.email] == [403, 403, 403]
    assert statuses[organizer.email] == [403, 403, 403]
    assert statuses[application.applicant.email] == [302, 302, 302]
