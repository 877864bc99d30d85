"""Bank details: validated (schwifty), sealed at rest (Fernet, rotatable), shown masked, confirmed by a
second person before anything is paid, every change emailed to every address of record; reveals
recorded; tax forms per calendar year hold and release installments."""

from datetime import date
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from cryptography.fernet import Fernet
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from grants.models import PayoutAccess, PayoutDetails, PayoutDetailsChange
from grants.payments import payouts, vault
from grants.payments.installments import mark_due
from grants.services import approve_grant, propose_grant
from tests.factories import UserFactory, bank_details
from tests.fixtures.mail.make_corpus import pdf


@pytest.fixture
def grant(organizer):
    grantee = UserFactory(full_name="Gia Grantee", email="gia@example.org")
    made = propose_grant(grantee, monthly_stipend=Decimal("2000"), start_date=date(2026, 1, 15), currency="EUR")
    approve_grant(made, by=organizer)
    made.checkins.update(submitted_at="2026-01-01T00:00Z")
    return made


@pytest.mark.parametrize(
    ("iban", "bic", "expected"),
    [
        ("de89 3704 0044 0532 0130 00", "", ("DE89370400440532013000", "COBADEFFXXX")),
        ("NL91ABNA0417164300", "abnanl2a", ("NL91ABNA0417164300", "ABNANL2A")),
        ("DE89370400440532013001", "", "invalid checksum digits"),
        ("XX00", "", "not valid"),
        ("NL91ABNA0417164300", "COBADEFFXXX", "a bank in DE, the IBAN of one in NL"),
        ("GB82WEST12345698765432", "", "needs the bank's BIC"),
        ("NL91ABNA0417164300", "ABNA", "That BIC is not valid"),
    ],
)
def test_iban_and_bic_are_checked_with_schwifty(iban, bic, expected):
    if isinstance(expected, tuple):
        assert payouts.clean_iban(iban, bic) == expected
    else:
        with pytest.raises(payouts.DetailsRefused, match=expected):
            payouts.clean_iban(iban, bic)


def test_details_are_sealed_at_rest_masked_and_changes_record_fields_not_values(grant):
    payouts.set_details(
        grant.grantee, by=grant.grantee, method="iban", holder="Gia Grantee", iban="DE89370400440532013000"
    )
    payouts.set_details(
        grant.grantee, by=grant.grantee, method="iban", holder="Gia Grantee", iban="DE89370400440532013000"
    )
    payouts.set_details(grant.grantee, by=grant.grantee, method="iban", holder="Gia Grantee", iban="NL91ABNA0417164300")

    details = PayoutDetails.objects.get(grantee=grant.grantee)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM grants_payoutdetails")
        raw_row = repr(cursor.fetchall())
    assert "NL91ABNA0417164300" not in raw_row and "ABNANL2A" not in raw_row and "Gia Grantee" not in raw_row
    assert vault.unseal(details.sealed) == {"holder": "Gia Grantee", "iban": "NL91ABNA0417164300", "bic": "ABNANL2A"}
    assert (details.masked, details.confirmed) == ("•••• 4300", False)
    assert list(PayoutDetailsChange.objects.order_by("pk").values_list("fields", flat=True)) == [
        ["method", "holder", "iban", "bic"],
        ["iban", "bic"],  # the second call changed nothing and wrote nothing
    ]
    assert "NL91" not in repr(list(PayoutDetailsChange.objects.values()))


def test_rotating_keys_reencrypts_every_row_and_a_dropped_key_is_refused(settings, grant, organizer):
    old, new = settings.PAYOUT_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    payouts.set_details(grant.grantee, by=grant.grantee, method="iban", holder="Gia", iban="DE89370400440532013000")
    other = bank_details(UserFactory(), iban="NL91ABNA0417164300")
    before = list(PayoutDetails.objects.order_by("pk").values_list("sealed", flat=True))

    settings.PAYOUT_ENCRYPTION_KEYS = [new, old]
    rotated = vault.rotate_all()
    settings.PAYOUT_ENCRYPTION_KEYS = [new]
    readable = vault.unseal(PayoutDetails.objects.get(pk=other.pk).sealed)
    settings.PAYOUT_ENCRYPTION_KEYS = [old]

    assert rotated == 2 and before != list(PayoutDetails.objects.order_by("pk").values_list("sealed", flat=True))
    assert readable["iban"] == "NL91ABNA0417164300"
    with pytest.raises(vault.SealBroken):
        vault.unseal(PayoutDetails.objects.get(pk=other.pk).sealed)


def test_a_change_holds_the_next_installment_until_a_second_person_confirms(
    grant, organizer, payer, django_capture_on_commit_callbacks
):
    bank_details(grant.grantee)
    mark_due(date(2026, 2, 20))
    EmailAddress.objects.create(user=grant.grantee, email="gia.old@example.org", verified=True)

    with django_capture_on_commit_callbacks(execute=True):
        payouts.set_details(grant.grantee, by=grant.grantee, method="iban", holder="Gia", iban="NL91ABNA0417164300")
    held = list(grant.installments.order_by("number").values_list("state", "hold_reason"))
    details = PayoutDetails.objects.get(grantee=grant.grantee)
    refusals = []
    for person in (grant.grantee, UserFactory()):
        with pytest.raises(payouts.DetailsRefused) as refused:
            payouts.confirm_details(details, by=person)
        refusals.append(str(refused.value))
    released = payouts.confirm_details(details, by=organizer)

    assert held == [("held", "bank_details"), ("held", "bank_details"), ("scheduled", "")]
    assert sorted(m.to[0] for m in mail.outbox) == ["gia.old@example.org", "gia@example.org"]
    assert "If you did not make this change" in mail.outbox[0].body and "NL91" not in mail.outbox[0].body
    assert all("second person" in r for r in refusals)
    assert released == 2 and list(grant.installments.values_list("state", flat=True)) == ["due", "due", "scheduled"]
    with pytest.raises(payouts.DetailsRefused):  # confirmed already: nothing to confirm twice
        payouts.confirm_details(PayoutDetails.objects.get(pk=details.pk), by=payer)


def test_whoever_entered_details_cannot_confirm_them(grant, payer, organizer):
    payouts.set_details(grant.grantee, by=payer, method="other", method_label="Cheque", reference="CHQ-1")
    details = PayoutDetails.objects.get(grantee=grant.grantee)

    assert payouts.may_confirm(details, payer) is False and payouts.may_confirm(details, organizer) is True


def test_full_details_are_revealed_to_the_payments_role_only_and_each_reveal_is_recorded(
    client, grant, payer, organizer
):
    payouts.set_details(
        grant.grantee, by=grant.grantee, method="iban", holder="Gia Grantee", iban="DE89370400440532013000"
    )
    url = reverse("grants:payout-reveal", kwargs={"pk": grant.pk})
    client.force_login(organizer)
    refused = client.post(url)
    client.force_login(grant.grantee)
    grantee_refused = client.post(url)
    client.force_login(payer)
    shown = client.post(url)

    assert (refused.status_code, grantee_refused.status_code, shown.status_code) == (403, 403, 200)
    assert "DE89370400440532013000" in shown.content.decode() and shown["Cache-Control"] == "no-store"
    assert list(PayoutAccess.objects.values_list("action", "by")) == [("revealed", payer.pk)]


def test_confirming_on_the_page(client, grant, organizer):
    bank_details(grant.grantee)
    mark_due(date(2026, 1, 20))
    client.force_login(grant.grantee)
    client.post(reverse("grants:payout", kwargs={"pk": grant.pk}), {"method": "wise", "wise_email": "gia@wise.example"})
    client.force_login(organizer)
    page = client.get(reverse("grants:payout", kwargs={"pk": grant.pk})).content.decode()
    client.post(reverse("grants:payout-confirm", kwargs={"pk": grant.pk}))

    assert "Confirm these details" in page and "•••• mple" in page
    assert PayoutDetails.objects.get(grantee=grant.grantee).confirmed_by == organizer
    assert grant.installments.get(number=1).state == "due"


def test_a_required_tax_form_holds_the_installment_until_one_for_its_year_arrives(settings, grant, payer):
    settings.GRANT_TAX_FORM_REQUIRED = True
    bank_details(grant.grantee)
    payouts.add_tax_form(
        grant.grantee, by=grant.grantee, year=2025, kind="W-8BEN", upload=SimpleUploadedFile("a.pdf", pdf("a"))
    )
    mark_due(date(2026, 1, 20))
    held = grant.installments.get(number=1)

    payouts.add_tax_form(
        grant.grantee, by=grant.grantee, year=2026, kind="W-8BEN", upload=SimpleUploadedFile("b.pdf", pdf("b"))
    )
    after_form = grant.installments.get(number=1).state
    form = grant.grantee.tax_forms.get(year=2026)
    payouts.set_tax_form_status(form, status="rejected", by=payer, note="unsigned")
    mark_due(date(2026, 2, 20))

    assert (held.state, held.hold_reason) == ("held", "tax_form")
    assert after_form == "due"
    assert list(grant.installments.order_by("number").values_list("state", "hold_reason")) == [
        ("due", ""),
        ("held", "tax_form"),
        ("scheduled", ""),
    ]
    with pytest.raises(payouts.DetailsRefused):
        payouts.set_tax_form_status(form, status="verified", by=grant.grantee)


def test_a_tax_form_is_opened_only_by_its_person_and_the_payments_role(client, grant, payer, organizer):
    form = payouts.add_tax_form(
        grant.grantee, by=grant.grantee, year=2026, kind="W-9", upload=SimpleUploadedFile("w9.pdf", pdf("w9"))
    )
    url = reverse("grants:tax-form", kwargs={"pk": form.pk})
    statuses = []
    for person in (grant.grantee, payer, organizer, UserFactory()):
        client.force_login(person)
        response = client.get(url)
        statuses.append(response.status_code)
        if response.status_code == 200:
            assert response["Content-Disposition"].startswith("attachment") and b"".join(response.streaming_content)

    assert statuses == [200, 200, 403, 403]
    # The organizer sees that a form arrived, never a link that would refuse them.
    client.force_login(organizer)
    page = client.get(reverse("grants:payout", kwargs={"pk": grant.pk}))
    assert page.status_code == 200 and b"W-9" in page.content and url.encode() not in page.content
