from datetime import date
from decimal import Decimal

from django.urls import reverse

from grants.models import Payment
from grants.payments.installments import mark_due
from grants.services import approve_grant, propose_grant
from tests.factories import UserFactory, bank_details


def test_organizer_approves_on_the_page_and_sees_who_it_waits_on(client, organizer, settings):
    settings.GRANT_SECOND_APPROVAL_ABOVE = 5000
    grant = propose_grant(UserFactory(), monthly_stipend=Decimal("3000"), start_date=date(2026, 1, 15))
    client.force_login(organizer)

    client.post(reverse("grants:decide", kwargs={"pk": grant.pk, "action": "approve"}), {"note": "great plan"})
    page = client.get(reverse("grants:detail", kwargs={"pk": grant.pk}))

    assert (
        b"1 of 2" in page.content and b"waiting on" in page.content and b"a second, different organizer" in page.content
    )


def test_payer_builds_a_batch_exports_and_records_it_paid(client, organizer, payer):
    grantee = UserFactory(full_name="Gina Grantee")
    bank_details(grantee)
    grant = propose_grant(grantee, monthly_stipend=Decimal("2000"), start_date=date(2026, 1, 15))
    approve_grant(grant, by=organizer)
    mark_due(date(2026, 1, 31))
    client.force_login(payer)

    created = client.post(reverse("grants:payments"), {"currency": "USD"})
    batch_url = created.url
    csv = client.get(batch_url.rstrip("/") + ".csv")
    client.post(batch_url, {"reference": "SEPA-2026-01"})
    ledger = client.get(reverse("grants:ledger"))

    assert b"Gina Grantee" in csv.content and b"DE89370400440532013000" not in csv.content
    assert list(Payment.objects.values_list("amount", "reference")) == [(Decimal("2000.00"), "SEPA-2026-01")]
    assert ledger.context["totals"]["USD"]["paid"] == Decimal("2000.00")


def test_grantee_sees_their_installments_and_a_reviewer_sees_nothing(client, organizer, reviewer):
    grantee = UserFactory()
    grant = propose_grant(grantee, monthly_stipend=Decimal("2000"), start_date=date(2026, 1, 15))
    approve_grant(grant, by=organizer)
    client.force_login(grantee)
    own = client.get(reverse("grants:detail", kwargs={"pk": grant.pk}))
    client.force_login(reviewer)
    other = client.get(reverse("grants:detail", kwargs={"pk": grant.pk}))

    assert own.status_code == 200 and len(own.context["installments"]) == 3
    assert other.status_code == 403


def test_bank_details_are_the_grantees_and_the_payments_teams_and_nobody_elses(client, organizer, payer, reviewer):
    grant = propose_grant(UserFactory(), monthly_stipend=Decimal("2000"), start_date=date(2026, 1, 15))
    url = reverse("grants:payout", kwargs={"pk": grant.pk})
    client.force_login(reviewer)
    refused = client.get(url)
    client.force_login(grant.grantee)
    bad = client.post(url, {"method": "iban", "holder": "Gia", "iban": "DE89370400440532013001"})
    saved = client.post(url, {"method": "iban", "holder": "Gia Grantee", "iban": "de89 3704 0044 0532 0130 00"})
    own = client.get(url).content.decode()
    client.force_login(organizer)
    organizer_post = client.post(url, {"method": "iban", "holder": "X", "iban": "NL91ABNA0417164300"})

    assert (refused.status_code, bad.status_code, saved.status_code, organizer_post.status_code) == (403, 200, 302, 403)
    assert "That IBAN is not valid: invalid checksum digits." in bad.content.decode()
    assert "•••• 3000" in own and "DE89370400440532013000" not in own and "Waiting for a second person" in own
    assert grant.grantee.payout_details.last4 == "3000"


def test_the_batch_page_offers_every_payout_format_and_an_unknown_one_is_404(client, organizer, payer):
    from grants.payments.formats import PAYOUT_FORMATS

    grantee = UserFactory(full_name="Fay Format")
    bank_details(grantee)
    grant = propose_grant(grantee, monthly_stipend=Decimal("1500"), start_date=date(2026, 1, 15), currency="EUR")
    approve_grant(grant, by=organizer)
    mark_due(date(2026, 1, 31))
    client.force_login(payer)
    batch_url = client.post(reverse("grants:payments"), {"currency": "EUR"}).url.rstrip("/")

    page = client.get(batch_url + "/").content.decode()
    not_made = client.get(f"{batch_url}.sepa")
    client.post(f"{batch_url}/files/sepa/")
    served = {ext: client.get(f"{batch_url}.{ext}") for ext in PAYOUT_FORMATS if ext != "wise"}

    assert all(f'href="{batch_url}.{ext}"' in page for ext in ("csv", "xlsx"))
    assert all(f'action="{batch_url}/files/{ext}/"' in page for ext in ("sepa", "wise"))
    assert not_made.status_code == 404
    assert {ext: (r.status_code, r["Content-Type"]) for ext, r in served.items()} == {
        ext: (200, f.content_type) for ext, f in PAYOUT_FORMATS.items() if ext != "wise"
    }
    assert client.get(f"{batch_url}.mt940").status_code == 404


def test_money_is_totalled_per_currency_and_always_shown_with_it(client, organizer):
    for currency, stipend in (("USD", "3000"), ("EUR", "2000")):
        grant = propose_grant(
            UserFactory(), monthly_stipend=Decimal(stipend), start_date=date(2026, 1, 15), currency=currency
        )
        approve_grant(grant, by=organizer)
    client.force_login(organizer)

    ledger = client.get(reverse("grants:ledger"))
    dashboard = client.get(reverse("program:dashboard", kwargs={"role": "organizer"})).content.decode()

    assert set(ledger.context["totals"]) == {"USD", "EUR"}
    assert ledger.context["totals"]["USD"]["scheduled"] == Decimal("9000.00")
    assert ledger.context["totals"]["EUR"]["scheduled"] == Decimal("6000.00")
    assert "15000" not in ledger.content.decode()  # never one total across currencies
    assert "9000.00 USD" in dashboard and "6000.00 EUR" in dashboard


def test_a_grantee_sees_letter_schedule_and_checkins_but_no_internal_data(
    client, organizer, django_capture_on_commit_callbacks
):
    from grants import letters

    grantee = UserFactory(full_name="Gia Grantee")
    grant = propose_grant(grantee, monthly_stipend=Decimal("2000"), start_date=date(2026, 1, 15))
    approve_grant(grant, by=organizer, note="strong plan, internal remark")
    with django_capture_on_commit_callbacks(execute=True):
        letter = letters.send_letter(grant, by=organizer)
    client.force_login(grantee)
    own = client.get(reverse("grants:detail", kwargs={"pk": grant.pk})).content.decode()
    client.force_login(organizer)
    staff = client.get(reverse("grants:detail", kwargs={"pk": grant.pk})).content.decode()

    assert "Installments" in own and "Letter of" in own and "2000.00 USD" in own
    for internal in ("internal remark", letter.template_version, "SHA-256", "Sign-off", "Ledger"):
        assert internal not in own and internal in staff
