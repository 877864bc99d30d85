import mailbox

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from applications import intake
from applications.models import Application, Call, InboundMessage
from tests.factories import ApplicationFactory, CallFactory, UserFactory

from .test_intake_corpus import CORPUS


def _ingest(name: str, **kw):
    return intake.ingest((CORPUS / name).read_bytes(), source="file", source_ref=name, **kw)


@pytest.mark.parametrize("count", [1, 3])
def test_inbox_query_count_is_flat_and_filter_works(client, organizer, count, django_assert_num_queries, settings):
    settings.INBOUND_ADDRESS = "apply@runway.test"
    for name in ["02_pdf_resume.eml", "17_auto_submitted.eml", "25_executable_named_pdf.eml"][:count]:
        _ingest(name)
    client.force_login(organizer)

    # session, user, roles, TOTP check; rows; outcome counts; page count
    with django_assert_num_queries(7):
        page = client.get(reverse("applications:inbox"))
    rejected = client.get(reverse("applications:inbox"), {"outcome": "rejected"})

    assert len(page.context["page"].object_list) == count
    assert [m.reason for m in rejected.context["page"]] == (["executable_attachment"] if count == 3 else [])


def test_inbound_detail_shows_raw_headers_and_reason(client, organizer, settings):
    settings.INBOUND_ADDRESS = "apply@runway.test"
    message = _ingest("25_executable_named_pdf.eml").message
    client.force_login(organizer)

    response = client.get(reverse("applications:inbound", kwargs={"pk": message.pk}))

    assert ("Message-ID", "<corpus-25@example.org>") in response.context["headers"]
    assert b"executable_attachment" in response.content and b"is an executable program or script" in response.content


def test_release_of_an_auth_failure_creates_the_application_and_records_who(client, organizer, settings):
    settings.INBOUND_ADDRESS, settings.INBOUND_AUTHSERV_ID = "apply@runway.test", "mx.runway.test"
    message = _ingest("29_dmarc_fail_trusted.eml").message
    client.force_login(organizer)

    reprocessed = client.post(reverse("applications:inbound-reprocess", kwargs={"pk": message.pk}))
    message.refresh_from_db()
    still_rejected = message.outcome
    released = client.post(reverse("applications:inbound-reprocess", kwargs={"pk": message.pk}), {"release": "1"})

    message.refresh_from_db()
    assert (reprocessed.status_code, released.status_code, still_rejected) == (302, 302, "rejected")
    assert (message.outcome, message.released_by, message.attempts) == ("application_created", organizer, 3)
    assert message.application.documents.get().original_filename == "resume.pdf"


def test_release_drops_refused_files(client, organizer, settings):
    settings.INBOUND_ADDRESS = "apply@runway.test"
    message = _ingest("25_executable_named_pdf.eml").message
    client.force_login(organizer)

    client.post(reverse("applications:inbound-reprocess", kwargs={"pk": message.pk}), {"release": "1"})

    message.refresh_from_db()
    assert message.outcome == "application_created"
    assert message.application.documents.count() == 0 and message.application.needs_resume is True
    assert "dropped “resume.pdf”" in message.detail


def test_organizer_opens_a_call_with_the_shipped_questionnaire(client, organizer, cohort):
    client.force_login(organizer)

    response = client.post(
        reverse("applications:call-new"),
        {
            "name": "MLAB4 TAs",
            "slug": "mlab4-ta",
            "kind": "ta",
            "cohort": cohort.pk,
            "opens_at": "2026-12-01T09:00",
            "with_template": "on",
        },
    )

    call = Call.objects.get(slug="mlab4-ta")
    availability = call.questionnaire.questions.get(key="availability")
    assert response.url == reverse("applications:call", kwargs={"slug": "mlab4-ta"})
    assert availability.dates == [d.isoformat() for d in cohort.days.values_list("date", flat=True)]
    assert call.questionnaire.questions.count() == 5


def test_second_default_call_is_refused(client, organizer):
    CallFactory(is_default=True)
    client.force_login(organizer)

    response = client.post(
        reverse("applications:call-new"),
        {"name": "Other", "slug": "other", "kind": "grant", "opens_at": "2026-12-01T09:00", "is_default": "on"},
    )

    assert response.status_code == 200
    assert b"Another call already receives mail to the bare address" in response.content


@pytest.mark.parametrize("count", [1, 3])
def test_call_applications_filters_and_flat_queries(client, organizer, count, django_assert_num_queries):
    call = CallFactory()
    for i in range(count):
        ApplicationFactory(call=call, needs_resume=i == 0, applicant=UserFactory(full_name=f"Zoe {i}"))
    client.force_login(organizer)
    url = reverse("applications:call", kwargs={"slug": call.slug})

    # session, user, roles, TOTP; call; count; rows; question count
    with django_assert_num_queries(8):
        response = client.get(url)
    missing = client.get(url, {"needs_resume": "1"})
    searched = client.get(url, {"q": "zoe 0"})

    assert response.context["page"].paginator.count == count
    assert [a.applicant.full_name for a in missing.context["page"]] == ["Zoe 0"]
    assert [a.applicant.full_name for a in searched.context["page"]] == ["Zoe 0"]


@pytest.mark.django_db
def test_ingest_maildir_processes_unread_once(tmp_path, settings):
    settings.INBOUND_ADDRESS = "apply@runway.test"
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for name in ["02_pdf_resume.eml", "04_odt_resume.eml", "20_mailing_list.eml"]:
        box.add(mailbox.MaildirMessage((CORPUS / name).read_bytes()))

    call_command("ingest_maildir", str(tmp_path / "Maildir"))
    call_command("ingest_maildir", str(tmp_path / "Maildir"))

    assert sorted(InboundMessage.objects.values_list("outcome", flat=True)) == [
        "application_created",
        "application_created",
        "list_ignored",
    ]
    assert Application.objects.count() == 2
    assert all("S" in m.get_flags() and m.get_subdir() == "cur" for m in mailbox.Maildir(tmp_path / "Maildir").values())


def test_ingest_email_reads_standard_input_and_never_fails_on_bad_input(tmp_path, db):
    import subprocess
    import sys

    from .test_intake_corpus import CORPUS as corpus

    result = subprocess.run(
        [sys.executable, "manage.py", "ingest_email", "--json"],
        input=(corpus / "44_empty_message.eml").read_bytes(),
        capture_output=True,
        cwd=corpus.parents[2],
        env={
            "PATH": "/usr/bin:/bin",
            "DEBUG": "True",
            "RUNWAY_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        },
    )
    # A fresh database without tables cannot store the message: the one case with a non-zero exit.
    assert result.returncode != 0 and b"Could not store the message" in result.stderr

    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=corpus.parents[2],
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DEBUG": "True",
            "RUNWAY_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        },
    )
    stored = subprocess.run(
        [sys.executable, "manage.py", "ingest_email", "-", "--json"],
        input=(corpus / "44_empty_message.eml").read_bytes(),
        capture_output=True,
        cwd=corpus.parents[2],
        env={
            "PATH": "/usr/bin:/bin",
            "DEBUG": "True",
            "RUNWAY_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        },
    )
    assert stored.returncode == 0
    assert stored.stdout.decode().strip().startswith('{"outcome": "rejected", "application": null')


def test_csrf_enforced_on_reprocess(organizer, settings):
    settings.INBOUND_ADDRESS = "apply@runway.test"
    message = _ingest("25_executable_named_pdf.eml").message
    client = Client(enforce_csrf_checks=True)
    client.force_login(organizer)

    response = client.post(reverse("applications:inbound-reprocess", kwargs={"pk": message.pk}), {"release": "1"})

    message.refresh_from_db()
    assert response.status_code == 403 and message.outcome == "rejected"


@pytest.mark.parametrize("count", [1, 3])
def test_search_finds_applications_of_every_call_by_name_or_email(client, organizer, count, django_assert_num_queries):
    from applications.services import create_application
    from tests.factories import CallFactory, UserFactory

    for i in range(count):
        person = UserFactory(full_name=f"Marie Curie {i}", email=f"m{i}@example.org")
        create_application(CallFactory(), person, source="web")
        create_application(CallFactory(), person, source="email")
    create_application(CallFactory(), UserFactory(full_name="Someone Else"), source="web")
    client.force_login(organizer)

    with django_assert_num_queries(6):  # session, user, roles, TOTP check, the count, the page of rows
        by_name = client.get(reverse("applications:search"), {"q": "curie"})
    by_email = client.get(reverse("applications:search"), {"q": "M0@EXAMPLE"})

    assert by_name.context["page"].paginator.count == 2 * count
    assert {a.call_id for a in by_name.context["page"]} == {a.call_id for a in by_name.context["page"].object_list}
    assert [a.applicant.email for a in by_email.context["page"]] == ["m0@example.org", "m0@example.org"]


def test_the_admin_never_links_a_file_through_the_unserved_media_url(client, organizer, settings):
    from applications.models import Document

    settings.INBOUND_ADDRESS = "apply@localhost"
    message = _ingest("02_pdf_resume.eml").message
    document = Document.objects.get(source_message=message)
    organizer.is_staff = organizer.is_superuser = True
    organizer.save()
    client.force_login(organizer)

    pages = [
        client.get(reverse("admin:applications_inboundmessage_change", args=[message.pk])),
        client.get(reverse("admin:applications_document_change", args=[document.pk])),
    ]

    assert [p.status_code for p in pages] == [200, 200]
    assert all(settings.MEDIA_URL not in p.content.decode() for p in pages)
    assert reverse("applications:inbound-raw", args=[message.pk]) in pages[0].content.decode()
