import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from grants import letters
from grants.models import GrantLetter
from grants.services import approve_grant, propose_grant
from program import pdf
from tests.factories import UserFactory


@pytest.fixture
def approved(organizer):
    grantee = UserFactory(full_name="Lena Learner")
    grant = propose_grant(
        grantee,
        monthly_stipend=Decimal("2500"),
        start_date=date(2027, 1, 15),
        currency="EUR",
        study_plan='Replicate DQN. <img src="file:///etc/hostname"> & PPO',
    )
    approve_grant(grant, by=organizer)
    return grant


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_letter_pdf_has_the_terms_and_escapes_fields(approved):
    pdf = letters.render_pdf(letters.letter_html(approved))

    text = _text(pdf)
    assert "Lena Learner" in text and "2500.00 EUR" in text
    assert "15 March 2027" in text and "14 April 2027" in text  # the third installment, and the last day
    assert '<img src="file:///etc/hostname">' in text  # shown as text, never fetched
    with open("/etc/hostname") as fh:
        assert fh.read().strip() not in text.replace('<img src="file:///etc/hostname">', "")


def test_fetcher_refuses_files_and_http_but_allows_data_and_our_static():
    fetcher = pdf.SafeFetcher()

    for url in ["file:///etc/passwd", "http://127.0.0.1:1/x.png", "https://example.org/x.css"]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,hi").read() == b"hi"
    static = fetcher.fetch(f"{pdf.STATIC_SCHEME}css/runway.css")
    assert static.content_type == "text/css" and b"Runway" in static.read()


def test_send_letter_stores_version_hash_and_emails_the_pdf(approved, organizer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        letter = letters.send_letter(approved, by=organizer)

    with letter.file.open("rb") as fh:
        stored = fh.read()
    (name, content, mimetype) = mail.outbox[0].attachments[0]
    assert letter.sha256 == hashlib.sha256(stored).hexdigest() and content == stored
    assert (
        letter.template_version.startswith("grants/letter.html@")
        and len(letter.template_version) == len("grants/letter.html@") + 12
    )
    assert (name, mimetype) == (f"grant-letter-{approved.pk}.pdf", "application/pdf")
    assert f"/grants/letters/{letter.pk}/" in mail.outbox[0].body


def test_grantee_accepts_by_typing_their_name_and_the_grant_becomes_active(client, approved, organizer):
    letter = letters.send_letter(approved, by=organizer)
    client.force_login(organizer)
    refused = client.post(reverse("grants:accept", kwargs={"pk": letter.pk}), {"full_name": "Olive"})
    client.force_login(approved.grantee)

    client.post(
        reverse("grants:accept", kwargs={"pk": letter.pk}), {"full_name": "Lena Learner"}, REMOTE_ADDR="203.0.113.9"
    )

    letter.refresh_from_db()
    approved.refresh_from_db()
    assert b"Only the grantee" in refused.content
    assert (letter.accepted_name, letter.accepted_ip, approved.state) == ("Lena Learner", "203.0.113.9", "active")
    assert approved.events.last().note == "letter accepted by “Lena Learner”"
    assert GrantLetter.objects.count() == 1


def test_ta_offer_letter_uses_the_same_machinery(client, organizer, cohort, django_capture_on_commit_callbacks):
    from applications.decisions import decide_application
    from applications.review import reviews
    from applications.services import transition_application
    from grants.models import TAOfferLetter
    from tests.factories import ApplicationFactory, CallFactory

    call = CallFactory(kind="ta", cohort=cohort, slug="mlab3-ta-letters", name="MLAB3 TAs")
    reviews.apply_rubric(call)
    application = ApplicationFactory(call=call, applicant=UserFactory(full_name="Tara Ta"))
    for state in ["submitted", "in_review"]:
        transition_application(application, to=state, by=organizer)
    decide_application(application, decision="accepted", by=organizer)
    client.force_login(organizer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("grants:ta-letter", kwargs={"offer_pk": application.offer.pk}),
            {"daily_rate": "350", "currency": "gbp"},
        )

    letter = TAOfferLetter.objects.get()
    with letter.file.open("rb") as fh:
        text = _text(fh.read())
    assert "Tara Ta" in text and "350.00 GBP per day worked" in text and "15" in text  # 15 program days
    assert letter.template_version.startswith("grants/ta_offer_letter.html@")
    assert [m.attachments[0][2] for m in mail.outbox if m.to == [application.applicant.email]] == ["application/pdf"]
