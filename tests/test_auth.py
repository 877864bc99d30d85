"""Signing in: email is the login, one-time codes by email, mandatory verification, two-factor for organizers."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from program.models import Role, User
from tests.conftest import make_person


def _code_from_mail(message) -> str:
    return re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", message.body, re.MULTILINE).group(1)


def _sign_in_with_code(client: Client, email: str):
    client.post(reverse("account_request_login_code"), {"email": email})
    code = _code_from_mail(mail.outbox[-1])
    return client.post(reverse("account_confirm_login_code"), {"code": code})


def test_applicant_signs_in_with_an_emailed_code_and_no_password(client, applicant):
    applicant.set_unusable_password()
    applicant.save()

    response = _sign_in_with_code(client, "Bob.Applicant@example.org")

    assert response.status_code == 302
    assert client.get(reverse("program:home")).url == "/dashboard/applicant/"
    assert mail.outbox[-1].to == ["bob.applicant@example.org"]


def test_wrong_code_does_not_sign_in(client, applicant):
    client.post(reverse("account_request_login_code"), {"email": applicant.email})

    response = client.post(reverse("account_confirm_login_code"), {"code": "ZZZZZZ"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_unverified_email_cannot_sign_in_with_password(client, db):
    user = User.objects.create_user("new@example.org", password="a-long-pass-phrase")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    response = client.post(reverse("account_login"), {"login": user.email, "password": "a-long-pass-phrase"})

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_email_login_is_case_insensitive_and_unique(db):
    User.objects.create_user("Mixed.Case@Example.org")

    assert User.objects.get_by_natural_key("mixed.case@example.org").email == "mixed.case@example.org"
    with pytest.raises(IntegrityError):
        User.objects.create_user("MIXED.case@example.org")


def test_organizer_without_two_factor_is_sent_to_set_it_up(client, organizer_without_2fa):
    client.force_login(organizer_without_2fa)

    response = client.get(reverse("program:dashboard", kwargs={"role": Role.ORGANIZER}))

    assert response.status_code == 302
    assert response.url == "/accounts/2fa/totp/activate/?next=/dashboard/organizer/"


def test_organizer_signing_in_by_code_must_also_give_a_totp_code(client, db):
    organizer = make_person("totp.organizer@example.org", Role.ORGANIZER)
    secret = generate_totp_secret()
    TOTP.activate(organizer, secret)

    after_code = _sign_in_with_code(client, organizer.email)

    assert after_code.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    counter = next(yield_hotp_counters_from_time())
    totp = format_hotp_value(hotp_value(secret, counter))
    after_totp = client.post(reverse("mfa_authenticate"), {"code": totp})
    assert after_totp.status_code == 302
    assert client.get(reverse("program:dashboard", kwargs={"role": "organizer"})).status_code == 200


def test_login_code_requests_are_rate_limited_per_address(applicant):
    url = reverse("account_request_login_code")
    responses = [Client().post(url, {"email": applicant.email}) for _ in range(5)]

    assert [r.status_code for r in responses] == [302, 302, 302, 200, 200]
    assert b"Too many failed login attempts" in responses[-1].content
    assert len(mail.outbox) == 3


def test_csrf_is_enforced_on_withdraw(applicant, db):
    from applications.services import create_application
    from tests.factories import CallFactory

    application = create_application(CallFactory(), applicant, source="web")
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)

    response = client.post(reverse("applications:withdraw", kwargs={"pk": application.pk}))

    application.refresh_from_db()
    assert response.status_code == 403
    assert application.state == "received"
