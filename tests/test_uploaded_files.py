"""Uploaded files: stored under generated names (the uploader's name only for display, cleaned), the
rule and the message agree (a tax form is a PDF), and a replaced questionnaire file is removed once the
change commits (tax forms are records: a new one is kept beside the old)."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import intake
from applications.models import Answer
from grants.forms import TaxFormForm
from grants.models import TaxForm
from grants.payments import payouts
from tests.applications.test_portal import RAW, grant_call  # noqa: F401  (fixture)
from tests.factories import UserFactory
from tests.fixtures.mail.make_corpus import docx, pdf


def _form(upload):
    return TaxFormForm({"year": "2026", "kind": "W-8BEN"}, {"tax_form": upload})


@pytest.mark.django_db
def test_a_tax_form_is_stored_under_a_generated_name_and_shown_by_its_cleaned_name(organizer):
    grantee = UserFactory()
    form = _form(SimpleUploadedFile("settings.py\u202e.pdf", pdf("w8")))
    assert form.is_valid(), form.errors

    payouts.add_tax_form(grantee, by=organizer, year=2026, kind="W-8BEN", upload=form.cleaned_data["tax_form"])

    stored = TaxForm.objects.get(person=grantee)
    assert stored.file.name.startswith("tax-forms/") and "settings" not in stored.file.name
    assert (stored.filename, stored.year, stored.status) == ("settings.py.pdf", 2026, "received")
    assert default_storage.exists(stored.file.name)


@pytest.mark.django_db
def test_a_tax_form_must_be_a_pdf_and_the_message_says_so():
    form = _form(SimpleUploadedFile("w8.pdf", docx("W-8BEN")))

    assert not form.is_valid()
    assert "as a PDF" in form.errors["tax_form"][0]
    assert "PDF" in str(form["tax_form"].label)


@pytest.mark.django_db
def test_a_second_tax_form_for_a_year_is_kept_beside_the_first(organizer):
    grantee = UserFactory()
    payouts.add_tax_form(grantee, by=organizer, year=2026, kind="W-8BEN", upload=SimpleUploadedFile("a.pdf", pdf("a")))
    payouts.add_tax_form(grantee, by=grantee, year=2026, kind="W-8BEN", upload=SimpleUploadedFile("b.pdf", pdf("b")))

    names = list(TaxForm.objects.filter(person=grantee).order_by("pk").values_list("file", flat=True))
    assert len(set(names)) == 2 and all(default_storage.exists(n) for n in names)


@pytest.mark.django_db
def test_replacing_a_questionnaire_file_removes_the_old_one(client, grant_call, django_capture_on_commit_callbacks):  # noqa: F811
    application = intake.ingest(RAW, source="stdin").application
    client.force_login(application.applicant)
    url = reverse("applications:questionnaire", kwargs={"pk": application.pk})

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"resume_upload": SimpleUploadedFile("one.pdf", pdf("one")), "save": "1"})
    first = Answer.objects.get(question__key="resume_upload").file.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"resume_upload": SimpleUploadedFile("two\u202egnp.pdf", pdf("two")), "save": "1"})

    answer = Answer.objects.get(question__key="resume_upload")
    assert answer.file.name != first and default_storage.exists(answer.file.name)
    assert not default_storage.exists(first)
    assert answer.original_filename == "twognp.pdf"
