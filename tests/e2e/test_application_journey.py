"""Browser journey: an emailed application comes in; the applicant opens the emailed link, fills and
submits the questionnaire, and sees their status."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from applications import intake
from applications.models import Application
from applications.questionnaires.templates import apply_template
from tests.factories import CallFactory
from tests.fixtures.mail.make_corpus import pdf

pytestmark = pytest.mark.e2e


def test_emailed_application_to_submitted_questionnaire(transactional_db, live_server, page, settings):
    settings.SITE_URL = live_server.url
    call = CallFactory(
        slug="grants", name="Retraining grants", kind="grant", closes_at=timezone.now() + timedelta(days=20)
    )
    apply_template(call)
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = (
        "Mara Miller <mara@example.org>",
        "apply+grants@localhost",
        "Grant",
        "<mara@example.org>",
    )
    msg.set_content("Hi! My resume is attached.")
    msg.add_attachment(pdf("mara"), maintype="application", subtype="pdf", filename="Mara resume.pdf")
    intake.ingest(msg.as_bytes(), source="stdin")
    link = re.search(r"^(http\S+/applications/link/\S+)$", mail.outbox[-1].body, re.M).group(1)

    page.goto(link)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/questionnaire/$"))
    page.locator("[name=study_plan]").fill("Replicate DQN and PPO, then Sutton & Barto chapters 3-13.")
    page.locator("[name=stipend_needed]").fill("2800")
    page.locator("[name=currency]").fill("EUR")
    page.locator("[name=start_date]").fill("2027-01-11")
    # A locator wait, not wait_for_function: the page's CSP refuses the eval that one needs.
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved")
    page.get_by_role("button", name="Submit answers").click()

    page.wait_for_url(re.compile(r"/applications/\d+/$"))
    assert page.locator(".facts .badge").first.inner_text() == "Submitted"
    assert page.locator(".timeline .badge").all_inner_texts() == ["Received", "Questionnaire sent", "Submitted"]
    assert page.get_by_role("link", name="Mara resume.pdf").is_visible()
    assert page.get_by_text("Replicate DQN and PPO").is_visible()
    assert Application.objects.get().state == "submitted"
