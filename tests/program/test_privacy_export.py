"""A person's data export: complete (every table that points at a person as its subject, and what
hangs from those rows), no secrets, their files, other people's words kept out of what they only did,
and the download pages per role."""

import io
import json
import time
import zipfile

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse

from program.models import DataExport, User
from program.privacy.export import ACTOR_FIELDS, collect, export_zip, person_fields, personal_models


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--quiet")


def _zip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_every_row_that_names_the_person_is_in_their_export(demo):
    person = User.objects.get(email="applicant@runway.test")  # applied, got a grant, pays, pairs, gives feedback
    started = time.perf_counter()
    content, manifest = export_zip(person)
    elapsed = time.perf_counter() - started
    files = _zip(content)

    missing = []
    for model in personal_models():
        label = model._meta.label_lower
        query = Q()
        for field in person_fields(model):
            query |= Q(**{field.name: person})
        expected = set(model.objects.filter(query).values_list("pk", flat=True))
        exported = {r["id"] for name in (f"{label}.json", f"actions/{label}.json") if name in files
                    for r in json.loads(files[name])}  # fmt: skip
        if expected - exported:
            missing.append(f"{label}: {sorted(expected - exported)[:5]}")

    assert missing == []
    # What hangs from their records comes too: the answers of their application, their installments and payments.
    assert {"applications.answer", "grants.installment", "grants.payment"} <= set(manifest["records"]), manifest
    assert any(name.startswith("files/") for name in files)  # their resume, letter, tax form
    assert elapsed < 60


def test_no_secret_leaves_in_an_export(demo):
    person = User.objects.get(email="applicant@runway.test")
    content, _ = export_zip(person)
    text = b"".join(v for k, v in _zip(content).items() if k.endswith(".json")).decode()

    assert person.password not in text
    for details in person.payout_details.__class__.objects.filter(grantee=person):
        assert details.sealed not in text


def test_what_a_staff_member_only_did_is_a_bare_fact_and_nothing_hangs_from_it(demo):
    organizer = User.objects.get(email="organizer@runway.test")
    rows, actions = collect(organizer)
    content, manifest = export_zip(organizer)
    files = _zip(content)

    assert actions and "applications.decision" in actions
    facts = json.loads(files["actions/applications.decision.json"])
    assert all(set(f) <= {"id", "as", "decided_at", "created_at", "at", "sent_at"} | _dates("applications.decision")
               for f in facts)  # fmt: skip
    assert "applications.application" not in rows  # the applications they decided are not theirs


def _dates(label: str) -> set[str]:
    from django.apps import apps  # noqa: PLC0415
    from django.db import models  # noqa: PLC0415

    return {f.name for f in apps.get_model(label)._meta.concrete_fields if isinstance(f, models.DateField)}


def test_a_person_downloads_their_own_data_and_an_organizer_exports_it_for_a_request(client, demo):
    person = User.objects.get(email="applicant@runway.test")
    organizer = User.objects.get(email="organizer@runway.test")
    client.force_login(person)

    page = client.get(reverse("program:my-data"))
    download = client.post(reverse("program:my-data"))
    refused = client.post(reverse("program:person-data", kwargs={"pk": organizer.pk}))
    client.force_login(organizer)
    for_request = client.post(reverse("program:person-data", kwargs={"pk": person.pk}), {"reason": "email of 1 Dec"})

    assert page.status_code == 200 and b"Download my data" in page.content
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert "manifest.json" in _zip(download.content)
    assert refused.status_code == 403 and for_request.status_code == 200
    assert list(DataExport.objects.filter(person=person).values_list("made_by__email", "reason")) == [
        ("organizer@runway.test", "email of 1 Dec"),
        ("applicant@runway.test", ""),
    ]


def test_actor_relations_are_named_in_the_module():
    assert {"actor", "reviewer", "decided_by", "created_by"} <= ACTOR_FIELDS


def test_staff_opening_a_persons_file_is_recorded_shown_to_them_and_exported(client, organizer):
    from django.core.files.base import ContentFile  # noqa: PLC0415

    from applications.models import Document  # noqa: PLC0415
    from applications.services import create_application  # noqa: PLC0415
    from tests.factories import CallFactory, UserFactory  # noqa: PLC0415

    person = UserFactory(email="ada@example.org")
    application = create_application(CallFactory(), person, source="web")
    doc = Document(application=application, original_filename="cv.pdf", content_type="application/pdf")
    doc.file.save("cv.pdf", ContentFile(b"%PDF-1.4 cv"), save=True)
    url = reverse("applications:document", kwargs={"pk": application.pk, "document_pk": doc.pk})

    statuses = []
    for who in (person, organizer):  # the person's own download is not logged, the organizer's is
        client.force_login(who)
        response = client.get(url)
        statuses.append(response.status_code)
        assert b"".join(response.streaming_content)  # read to the end: the test client then closes the file
    assert statuses == [200, 200]
    client.force_login(person)
    page = client.get(reverse("program:my-data")).content.decode()
    _, manifest = export_zip(person)

    assert "cv.pdf of application" in page and organizer.display_name in page
    assert manifest["records"]["program.fileaccess"] == 1
