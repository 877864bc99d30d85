"""Browser journey: an organizer signs in with two-factor and approves a grant → the letter is sent →
the grantee accepts and enters their bank details → the organizer confirms them → the installment falls
due → a payer makes the SEPA file → the bank's statement, imported, marks it paid."""

import re
from datetime import date
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.contrib.auth.models import Permission
from django.core import mail

from demo import bank
from grants.models import Payment
from grants.payments.installments import mark_due
from grants.services import propose_grant
from program.models import Role
from tests.conftest import activate_totp, make_person
from tests.e2e.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


def test_approve_letter_accept_pay(transactional_db, live_server, page, settings, tmp_path):
    settings.SITE_URL = live_server.url
    organizer = make_person("olga@example.org", Role.ORGANIZER, full_name="Olga Organizer")
    secret = activate_totp(organizer)
    payer = make_person("pete@example.org", Role.ORGANIZER, full_name="Pete Payer")
    payer.user_permissions.add(Permission.objects.get(codename="make_payments"))
    activate_totp(payer)
    grantee = UserFactory(full_name="Greta Grantee", email="greta@example.org")
    grant = propose_grant(
        grantee, monthly_stipend=Decimal("2500"), start_date=date(2026, 1, 15), currency="EUR", study_plan="DQN, PPO"
    )

    # The organizer signs in with a password and a TOTP code (two-factor is required for organizers).
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(organizer.email)
    page.locator("input[name=password]").fill("pw-for-tests")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.locator("input[name=code]").fill(format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time()))))
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/dashboard/organizer/$"))

    page.goto(f"{live_server.url}/grants/{grant.pk}/")
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("button", name="Send the grant letter").click()
    page.wait_for_url(re.compile(rf"/grants/{grant.pk}/$"))
    letter_mail = next(m for m in mail.outbox if m.to == [grantee.email])
    accept_url = re.search(r"^(http\S+/grants/letters/\d+/)$", letter_mail.body, re.M).group(1)
    assert letter_mail.attachments[0][2] == "application/pdf"

    sign_in(page.context, live_server, grantee)
    page.goto(accept_url)
    page.get_by_label("Type your full name to accept the grant").fill("Greta Grantee")
    page.get_by_role("button", name="I accept the grant on these terms").click()
    page.wait_for_url(re.compile(rf"/grants/{grant.pk}/$"))
    assert page.locator(".facts .badge").first.inner_text() == "Active"

    # The grantee enters their bank details on their grant page; the organizer confirms them.
    page.get_by_role("link", name="where we pay your stipend").click()
    page.get_by_label("Bank account (IBAN)").check()
    page.get_by_label("Account holder (as the bank knows them)").fill("Greta Grantee")
    page.locator("#id_iban").fill("DE89 3704 0044 0532 0130 00")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/grants/{grant.pk}/payout/$"))
    assert "•••• 3000" in page.content() and "Waiting for a second person" in page.content()
    sign_in(page.context, live_server, organizer)
    page.goto(f"{live_server.url}/grants/{grant.pk}/payout/")
    page.get_by_role("button", name="Confirm these details").click()
    page.wait_for_url(re.compile(rf"/grants/{grant.pk}/payout/$"))

    mark_due(date(2026, 1, 20))  # the daily job, later

    # The payer builds the EUR batch, makes the SEPA file and, once the bank has paid, imports its statement.
    sign_in(page.context, live_server, payer)
    page.goto(f"{live_server.url}/grants/payments/")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_role("button", name="Build the batch").click()
    page.wait_for_url(re.compile(r"/grants/payments/batches/\d+/$"))
    page.get_by_role("button", name="Make the SEPA credit transfer (pain.001.001.09)").click()
    page.wait_for_url(re.compile(r"/grants/payments/batches/\d+/$"))
    with page.expect_download() as download:
        page.get_by_role("link", name="SEPA file").click()
    sepa = tmp_path / "batch.xml"
    download.value.save_as(sepa)
    assert b"<EndToEndId>RUNWAY-I" in sepa.read_bytes() and "Sent to the bank" in page.content()
    statement = tmp_path / "camt053.xml"
    statement.write_bytes(bank.camt053(bank.executed(sepa.read_bytes(), date(2026, 1, 21))))
    page.goto(f"{live_server.url}/grants/payments/statements/")
    page.get_by_label("Bank statement (camt.053 XML or Wise CSV)").set_input_files(str(statement))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/grants/payments/statements/$"))
    assert "1 installment(s) paid" in page.content()

    assert list(Payment.objects.values_list("amount", "recorded_by")) == [(Decimal("2500.00"), payer.pk)]
    assert grant.installments.get(number=1).state == "paid"
