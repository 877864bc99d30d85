"""Uploaded files: stored under generated names (the uploader's name only for display, cleaned), the
rule and the message agree (a tax form is a PDF), and a replaced file is removed once the change commits."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import intake
from applications.models import Answer
from grants.forms import PayoutForm
from grants.models import PayoutDetails
from grants.payments.payouts import update_payout_details
from tests.applications.test_portal import RAW, grant_call  # noqa: F401  (fixture)
from tests.factories import UserFactory
from tests.fixtures.mail.make_corpus import docx, pdf


def _form(upload):
    return PayoutForm({"method_label": "SEPA", "tax_form_status": "received"}, {"tax_form": upload})


@pytest.mark.django_db
def test_a_tax_form_is_stored_under_a_generated_name_and_shown_by_its_cleaned_name(
    organizer, django_capture_on_commit_callbacks
):
    grantee = UserFactory()
    form = _form(SimpleUploadedFile("settings.py\u202e.pdf", pdf("w8")))
    assert form.is_valid(), form.errors

    with django_capture_on_commit_callbacks(execute=True):
        update_payout_details(grantee, by=organizer, **form.cleaned_data)

    details = PayoutDetails.objects.get(grantee=grantee)
    assert details.tax_form.name.startswith("tax-forms/") and "settings" not in details.tax_form.name
    assert details.tax_form_filename == "settings.py.pdf"


@pytest.mark.django_db
def test_a_tax_form_must_be_a_pdf_and_the_message_says_so():
    form = _form(SimpleUploadedFile("w8.pdf", docx("W-8BEN")))

    assert not form.is_valid()
    assert "as a PDF" in form.errors["tax_form"][0]
    assert "PDF" in str(form["tax_form"].label)


@pytest.mark.django_db
def test_replacing_a_tax_form_removes_the_old_file_after_the_commit(organizer, django_capture_on_commit_callbacks):
    grantee = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        update_payout_details(
            grantee, by=organizer, method_label="SEPA", tax_form=SimpleUploadedFile("a.pdf", pdf("a"))
        )
    first = PayoutDetails.objects.get(grantee=grantee).tax_form.name

    with django_capture_on_commit_callbacks(execute=True):
        update_payout_details(grantee, by=organizer, tax_form=SimpleUploadedFile("b.pdf", pdf("b")))

    second = PayoutDetails.objects.get(grantee=grantee).tax_form.name
    assert second != first and default_storage.exists(second)
    assert not default_storage.exists(first)


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
