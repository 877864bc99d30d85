"""The applicant's way through: personal link → questionnaire (drafts, autosave, submit) → status page."""

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications import intake, links
from applications.models import Answer, Application, OutboundMessage
from applications.questionnaires.templates import apply_template
from tests.factories import CallFactory
from tests.fixtures.mail.make_corpus import pdf

RAW = (
    b"From: Nia Newcomer <nia@example.org>\r\nTo: apply+grants-2027@localhost\r\nSubject: Grant application\r\n"
    b"Message-ID: <nia-1@example.org>\r\n\r\nHello! No resume yet, sorry.\r\n"
)


@pytest.fixture
def grant_call(db):
    call = CallFactory(
        slug="grants-2027", name="Retraining grants 2027", kind="grant", closes_at=timezone.now() + timedelta(days=30)
    )
    apply_template(call)
    return call


def _link_from_ack() -> str:
    body = mail.outbox[-1].body
    return next(line.strip() for line in body.splitlines() if "/applications/link/" in line)


def test_email_creates_application_and_one_acknowledgement_with_a_link(grant_call, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = intake.ingest(RAW, source="stdin")

    application = Application.objects.get(pk=result.application.pk)
    assert (result.outcome, application.call, application.state, application.needs_resume) == (
        "application_created",
        grant_call,
        "questionnaire_sent",
        True,
    )
    assert [m.to for m in mail.outbox] == [["nia@example.org"]]
    assert mail.outbox[0].extra_headers["Message-ID"] == OutboundMessage.objects.get().message_id
    assert mail.outbox[0].reply_to == [f"apply+r-{application.reply_token}@localhost"]
    assert "could not find a resume" in mail.outbox[0].body
    assert EmailAddress.objects.get(email="nia@example.org").verified is False


def test_link_signs_in_once_verifies_email_and_opens_questionnaire(
    client, grant_call, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application = intake.ingest(RAW, source="stdin").application
    url = _link_from_ack().replace("http://127.0.0.1:8000", "")

    page = client.get(url)
    used = client.post(url)
    again = client.post(url)

    assert page.status_code == 200 and b"Continue" in page.content
    assert used.url == reverse("applications:questionnaire", kwargs={"pk": application.pk})
    assert again.status_code == 410
    assert EmailAddress.objects.get(email="nia@example.org").verified is True


def test_expired_link_does_not_sign_in(client, grant_call):
    application = intake.ingest(RAW, source="stdin").application
    token = links.create_link(application)
    application.links.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.post(reverse("applications:link", kwargs={"token": token}))

    assert response.status_code == 410
    assert "_auth_user_id" not in client.session


def test_draft_then_submit_then_edit_until_deadline(client, grant_call):
    application = intake.ingest(RAW, source="stdin").application
    client.force_login(application.applicant)
    url = reverse("applications:questionnaire", kwargs={"pk": application.pk})

    draft = client.post(url, {"study_plan": "Replicate DQN", "save": "1"})
    incomplete = client.post(url, {"study_plan": "Replicate DQN", "submit": "1"})
    complete = client.post(
        url,
        {
            "study_plan": "Replicate DQN, then PPO",
            "stipend_needed": "3000",
            "currency": "EUR",
            "start_date": "2027-01-04",
            "resume_upload": SimpleUploadedFile("cv.pdf", pdf("nia")),
            "submit": "1",
        },
    )

    application.refresh_from_db()
    answers = {
        a.question.key: a.value for a in Answer.objects.filter(application=application).select_related("question")
    }
    assert draft.status_code == 302 and incomplete.status_code == 200
    assert b"This field is required" in incomplete.content
    assert complete.url == reverse("applications:detail", kwargs={"pk": application.pk})
    assert application.state == "submitted" and application.submitted_at is not None
    # Submitting, with the notice shown next to the button, records which privacy notice was accepted.
    assert b"privacy notice" in incomplete.content
    assert application.privacy_notice_version == "2026-12-01" and application.privacy_accepted_at is not None
    assert answers == {
        "study_plan": "Replicate DQN, then PPO",
        "stipend_needed": "3000",
        "currency": "EUR",
        "start_date": "2027-01-04",
        "resume_upload": None,
    }
    assert Answer.objects.get(application=application, question__key="resume_upload").original_filename == "cv.pdf"

    grant_call.closes_at = timezone.now() - timedelta(minutes=1)
    grant_call.save()
    late = client.post(url, {"study_plan": "changed", "save": "1"})
    assert Answer.objects.get(application=application, question__key="study_plan").value == "Replicate DQN, then PPO"
    assert late.url == reverse("applications:detail", kwargs={"pk": application.pk})


def test_questionnaire_file_upload_is_sniffed(client, grant_call):
    application = intake.ingest(RAW, source="stdin").application
    client.force_login(application.applicant)

    response = client.post(
        reverse("applications:questionnaire", kwargs={"pk": application.pk}),
        {"resume_upload": SimpleUploadedFile("cv.pdf", b"MZ\x90\x00evil"), "save": "1"},
    )

    assert response.status_code == 200
    assert b"an executable program or script" in response.content
    assert not Answer.objects.filter(question__key="resume_upload").exists()


def test_autosave_stores_draft_and_answers_status_partial(client, grant_call, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = intake.ingest(RAW, source="stdin").application
    client.force_login(application.applicant)

    response = client.post(
        reverse("applications:autosave", kwargs={"pk": application.pk}),
        {"study_plan": "Sutton & Barto"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode().strip()
    assert html.startswith('<p id="autosave-status"') and "Draft saved" in html
    assert Answer.objects.get(application=application, question__key="study_plan").value == "Sutton & Barto"
    assert Application.objects.get(pk=application.pk).state == "questionnaire_sent"


def test_status_page_shows_timeline_documents_and_messages(client, grant_call, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = intake.ingest(RAW, source="stdin").application
    client.force_login(application.applicant)

    response = client.get(reverse("applications:detail", kwargs={"pk": application.pk}))

    assert [e.to_state for e in response.context["events"]] == ["received", "questionnaire_sent"]
    assert [(d, m.subject) for d, _, m in response.context["thread"]] == [
        ("in", "Grant application"),
        ("out", "We received your application to Retraining grants 2027"),
    ]
    assert b"waiting for a resume" in response.content


def test_document_download_is_an_attachment_with_nosniff(client, grant_call):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = (
        "Nia <nia@example.org>",
        "apply@localhost",
        "cv",
        "<nia-2@example.org>",
    )
    msg.set_content("cv attached, and a page")
    msg.add_attachment(pdf("nia"), maintype="application", subtype="pdf", filename="nia.pdf")
    msg.add_attachment(b"<html><script>alert(1)</script></html>", maintype="text", subtype="plain", filename="page.txt")
    application = intake.ingest(msg.as_bytes(), source="stdin").application
    document = application.documents.get()  # the HTML posing as text was not kept
    client.force_login(application.applicant)

    response = client.get(reverse("applications:document", kwargs={"pk": application.pk, "document_pk": document.pk}))

    assert response["Content-Disposition"] == 'attachment; filename="nia.pdf"'
    assert (response["Content-Type"], response["X-Content-Type-Options"]) == ("application/pdf", "nosniff")
    assert b"".join(response.streaming_content) == pdf("nia")
    response.close()


def test_web_form_applies_through_the_same_rules(client, grant_call, django_capture_on_commit_callbacks):
    url = reverse("applications:apply", kwargs={"slug": grant_call.slug})
    refused = client.post(
        url, {"name": "Eve", "email": "eve@example.org", "resume": SimpleUploadedFile("cv.pdf", b"MZ\x90\x00")}
    )
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            url,
            {"name": "Eve Example", "email": "Eve@Example.org", "resume": SimpleUploadedFile("résumé.pdf", pdf("eve"))},
        )
    again = client.post(
        url,
        {"name": "Eve Example", "email": "eve@example.org", "resume": SimpleUploadedFile("resume2.pdf", pdf("eve2"))},
    )

    application = Application.objects.get()
    assert refused.status_code == 200 and b"executable" in refused.content
    assert (created.status_code, again.status_code) == (200, 200)
    assert (application.source, application.applicant.email, application.needs_resume) == (
        "web",
        "eve@example.org",
        False,
    )
    assert list(application.documents.values_list("version", "original_filename", "content_type")) == [
        (2, "resume2.pdf", "application/pdf"),
        (1, "résumé.pdf", "application/pdf"),
    ]
    assert len(mail.outbox) == 1


def test_sweep_acknowledges_an_application_whose_task_was_never_queued(grant_call):
    # No on-commit callbacks run here: as if the broker had been down when the message came in.
    application = intake.ingest(RAW, source="stdin").application
    assert not OutboundMessage.objects.exists()

    first = intake.acknowledge_pending()
    second = intake.acknowledge_pending()

    ack = OutboundMessage.objects.get()
    assert (first, second) == (1, 0)
    assert (ack.application, ack.in_reply_to) == (application, "<nia-1@example.org>")


def test_a_message_stored_but_never_processed_is_picked_up_by_the_sweep(grant_call):
    from applications.models import InboundMessage

    message = intake.store_raw(RAW, source="stdin")  # the process stopped right after storing
    InboundMessage.objects.filter(pk=message.pk).update(received_at=timezone.now() - timedelta(minutes=10))

    swept = intake.process_pending()
    again = intake.process_pending()

    message.refresh_from_db()
    assert (swept, again, message.outcome) == (1, 0, "application_created")


def test_the_questionnaire_never_asks_again_for_a_resume_already_emailed(client, grant_call):
    raw = (
        b"From: Rea Resume <rea@example.org>\r\nTo: apply+grants-2027@localhost\r\nSubject: Application\r\n"
        b"Message-ID: <rea-1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nHere is my CV.\r\n--b\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="rea-cv.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + __import__("base64").b64encode(pdf("cv"))
        + b"\r\n--b--\r\n"
    )
    application = intake.ingest(raw, source="stdin").application
    client.force_login(application.applicant)

    page = client.get(reverse("applications:questionnaire", kwargs={"pk": application.pk})).content.decode()

    assert "We have your resume “rea-cv.pdf”" in page and "Replace your resume (optional)" in page


def test_a_refused_field_says_why_next_to_itself(client, grant_call):
    """Errors are tied to their fields: the input is marked invalid and described by its error."""
    url = reverse("applications:apply", kwargs={"slug": grant_call.slug})
    page = client.post(url, {"name": "Eve Example", "email": "not an address"}).content.decode()

    assert re.search(r'<input[^>]*name="email"[^>]*aria-invalid="true"', page)
    assert re.search(r'<input[^>]*name="email"[^>]*aria-describedby="id_email_error"', page)
    assert re.search(r'<ul class="errorlist" id="id_email_error">\s*<li>Enter a valid email address', page)
    assert 'name="name"' in page and not re.search(r'<input[^>]*name="name"[^>]*aria-invalid', page)


def test_applying_on_the_web_records_the_privacy_notice_accepted(client, grant_call):
    page = client.get(reverse("applications:apply", kwargs={"slug": grant_call.slug}))
    client.post(
        reverse("applications:apply", kwargs={"slug": grant_call.slug}), {"email": "w@example.org", "name": "Wen"}
    )
    notice = client.get(reverse("program:privacy"))

    application = Application.objects.get(applicant__email="w@example.org")
    assert b"privacy notice" in page.content and b"2026-12-01" in page.content
    assert (application.privacy_notice_version, application.privacy_accepted_at is not None) == ("2026-12-01", True)
    assert notice.status_code == 200 and b"Version 2026-12-01" in notice.content
