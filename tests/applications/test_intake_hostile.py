"""Hostile mail never stops the pipeline: NUL and control characters are cleaned where mail enters, a
message that still fails is rejected with `processing_error` (its files removed, the next message
processed), and one failing step of the periodic sweep never stops the others."""

import io
import json

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command

from applications import intake, outbox
from applications.intake import pipeline
from applications.models import Application, Document, InboundMessage, OutboundMessage
from applications.tasks import task_send_queued_outbound
from tests.fixtures.mail.make_corpus import pdf

PDF = pdf("resume")


def _message(*, from_header: str, subject: str = "Application", body: str = "Hello", msgid: str, pdf: bool = False):
    import base64

    head = (
        f"From: {from_header}\r\nTo: apply@runway.test\r\nSubject: {subject}\r\nMessage-ID: <{msgid}@example.org>\r\n"
    )
    if not pdf:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").encode("utf-8")
    return (
        head
        + 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        + "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + body
        + '\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="resume.pdf"\r\n'
        + "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(PDF).decode()
        + "\r\n--b--\r\n"
    ).encode("utf-8")


def _ingest_json(raw: bytes, tmp_path, name: str) -> dict:
    path = tmp_path / f"{name}.eml"
    path.write_bytes(raw)
    out = io.StringIO()
    call_command("ingest_email", str(path), "--json", stdout=out)
    return json.loads(out.getvalue())


def _no_controls(*values: str) -> bool:
    return all(not any(ord(c) < 32 and c not in "\t\n" for c in v) for v in values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,raw",
    [
        ("from name (RFC 2047)", _message(from_header="=?utf-8?b?YQBi?= <nul.name@example.org>", msgid="n1")),
        ("subject", _message(from_header="Nul Subject <nul.subject@example.org>", subject="hi\x00there", msgid="n2")),
        ("body", _message(from_header="Nul Body <nul.body@example.org>", body="line\x00one\x01\x1b[31m", msgid="n3")),
        ("message-id", _message(from_header="Nul Id <nul.id@example.org>", msgid="n4\x00x")),
    ],
    ids=["from-name", "subject", "body", "message-id"],
)
def test_nul_in_mail_is_cleaned_and_the_application_created(intake_settings, tmp_path, field, raw):
    result = _ingest_json(raw, tmp_path, "nul")

    assert (result["outcome"], result["reason"]) == ("application_created", None)
    message = InboundMessage.objects.get()
    assert _no_controls(message.from_name, message.subject, message.body_text, message.message_id)
    assert _no_controls(Application.objects.get().applicant.full_name)
    with message.raw.open("rb") as fh:
        assert fh.read() == raw  # the raw message is kept byte for byte


@pytest.mark.django_db
def test_nul_display_name_decodes_to_the_letters_around_it(intake_settings, tmp_path):
    raw = _message(from_header="=?utf-8?b?YQBi?= <nul.name@example.org>", msgid="n5")

    result = _ingest_json(raw, tmp_path, "nul")

    assert (result["applicant_email"], result["applicant_name"]) == ("nul.name@example.org", "ab")


@pytest.mark.django_db
def test_bidi_override_is_removed_from_names_and_filenames(intake_settings, tmp_path):
    raw = _message(
        from_header="=?utf-8?b?QWxpY2Ug4oCuZ25wLmV4ZQ==?= <bidi@example.org>", msgid="bidi", pdf=True
    ).replace(b'filename="resume.pdf"', b"filename*=utf-8''resume%E2%80%AEfdp.exe.pdf")

    result = _ingest_json(raw, tmp_path, "bidi")

    assert result["applicant_name"] == "Alice gnp.exe"
    assert result["resume_filename"] == "resumefdp.exe.pdf"


@pytest.mark.django_db
def test_a_message_that_fails_is_rejected_its_files_removed_and_the_next_one_processed(
    intake_settings, tmp_path, monkeypatch
):
    files_before = set(_all_files("documents"))

    def fail_after_the_file_is_written(application, in_reply_to, pending=None):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline, "acknowledge_after_commit", fail_after_the_file_is_written)
    poisoned = _message(from_header="Poison <poison@example.org>", msgid="p1", pdf=True)

    first = _ingest_json(poisoned, tmp_path, "poison")
    again = _ingest_json(poisoned, tmp_path, "poison-again")
    monkeypatch.undo()
    second = _ingest_json(_message(from_header="Next <next@example.org>", msgid="p2"), tmp_path, "next")

    assert (first["outcome"], first["reason"]) == ("rejected", "processing_error")
    rejected = InboundMessage.objects.get(message_id="<p1@example.org>", outcome="rejected")
    assert "RuntimeError" in rejected.detail and "Reprocess" in rejected.detail
    assert again["outcome"] == "duplicate_ignored"  # a redelivery is not another failure
    assert second["outcome"] == "application_created"
    assert not Application.objects.filter(applicant__email="poison@example.org").exists()
    assert not Document.objects.filter(source_message=rejected).exists()
    new_files = set(_all_files("documents")) - files_before
    assert new_files == set(
        Document.objects.filter(application__applicant__email="next@example.org").values_list("file", flat=True)
    )


def _all_files(root: str) -> list[str]:
    if not default_storage.exists(root):
        return []
    dirs, files = default_storage.listdir(root)
    found = [f"{root}/{f}" for f in files]
    for d in dirs:
        found += _all_files(f"{root}/{d}")
    return found


@pytest.mark.django_db
def test_the_sweep_runs_every_step_when_one_fails(intake_settings, monkeypatch, django_capture_on_commit_callbacks):
    settings = intake_settings
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=False):
        created = intake.ingest(_message(from_header="Missed <missed@example.org>", msgid="s1"), source="file")
    queued = outbox.queue_email(
        "application-received",
        to="queued@example.org",
        context={"application": created.application, "name": "Q", "call": created.application.call, "link": "x"},
        idempotency_key="queued-one",
    )
    OutboundMessage.objects.filter(pk=queued.pk).update(state=OutboundMessage.State.QUEUED)
    mail.outbox.clear()

    def poisoned(**kwargs):
        raise RuntimeError("poisoned step")

    monkeypatch.setattr(intake, "process_pending", poisoned)

    task_send_queued_outbound.apply(kwargs={}).get()

    assert OutboundMessage.objects.filter(idempotency_key=f"ack:{created.application.pk}").exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["missed@example.org", "queued@example.org"]


@pytest.mark.django_db
def test_the_acknowledgement_sweep_mails_only_applications_still_received(intake_settings, organizer):
    from applications.services import create_application, transition_application
    from tests.factories import CallFactory, UserFactory

    call = CallFactory()
    waiting = create_application(call, UserFactory(email="waiting@example.org"), source="email")
    web = create_application(call, UserFactory(email="web@example.org"), source="web")
    withdrawn = create_application(call, UserFactory(email="withdrawn@example.org"), source="email")
    transition_application(withdrawn, to="withdrawn", by=withdrawn.applicant)
    submitted = create_application(call, UserFactory(email="submitted@example.org"), source="web")
    transition_application(submitted, to="submitted", by=organizer)
    create_application(call, UserFactory(email="entered@example.org"), source="staff")

    count = intake.acknowledge_pending()

    acked = set(OutboundMessage.objects.filter(kind="application-received").values_list("to_email", flat=True))
    assert (count, acked) == (2, {waiting.applicant.email, web.applicant.email})
