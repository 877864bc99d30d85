"""Browser journey: a person signs in with an emailed one-time code and lands on their role's dashboard."""

import re

import pytest
from django.core import mail

from applications.services import create_application
from program.models import Role
from program.services import enroll
from tests.conftest import make_person
from tests.factories import CallFactory

pytestmark = pytest.mark.e2e


def _sign_in_by_code(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/code/")
    page.get_by_label(re.compile("email", re.I)).fill(email)
    page.get_by_role("button", name="Request Code").click()
    page.wait_for_url(re.compile(r"/accounts/login/code/confirm/"))
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.MULTILINE).group(1)
    page.get_by_label(re.compile("code", re.I)).fill(code)
    page.get_by_role("button", name=re.compile("sign in|confirm", re.I)).click()


def test_applicant_signs_in_with_emailed_code_and_sees_their_application(transactional_db, live_server, page):
    applicant = make_person("ann.applicant@example.org", full_name="Ann Applicant")
    applicant.set_unusable_password()
    applicant.save()
    create_application(CallFactory(name="Retraining grants, rolling"), applicant, source="email")

    _sign_in_by_code(page, live_server.url, applicant.email)

    page.wait_for_url(re.compile(r"/dashboard/applicant/$"))
    assert page.get_by_role("heading", name="Applicant dashboard").is_visible()
    assert page.get_by_role("link", name="Retraining grants, rolling").is_visible()
    assert page.locator(".badge.received").inner_text() == "Received"


def test_participant_sees_their_cohort_and_only_their_menu(transactional_db, live_server, page, cohort):
    participant = make_person("paul.participant@example.org", full_name="Paul Participant")
    enroll(cohort, participant, role=Role.PARTICIPANT)

    _sign_in_by_code(page, live_server.url, participant.email)

    page.wait_for_url(re.compile(r"/dashboard/participant/$"))
    assert page.get_by_role("link", name="MLAB3").is_visible()
    assert page.locator("nav .nav a").all_inner_texts() == ["Participant", "Today", "My progress", "Feedback"]
