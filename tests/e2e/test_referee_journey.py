"""Browser journey: an applicant names a referee → the referee opens the emailed one-time link and
uploads a letter → the reviewer reads it on the application page → the applicant sees only "received"."""

import re

import pytest

from applications.models import OutboundMessage, ReviewAssignment
from applications.services import create_application, transition_application
from program.models import Role
from tests.conftest import make_person
from tests.e2e.conftest import sign_in
from tests.factories import CallFactory, UserFactory
from tests.fixtures.mail.make_corpus import pdf

pytestmark = pytest.mark.e2e


def test_name_a_referee_upload_read_and_only_received(transactional_db, live_server, page, browser, settings, tmp_path):
    settings.SITE_URL = live_server.url
    applicant = UserFactory(email="ada@example.org", full_name="Ada Lovelace")
    reviewer = make_person("rex@example.org", Role.REVIEWER, full_name="Rex Reviewer")
    call = CallFactory(name="Retraining grants", kind="grant", referees_required=1)
    application = create_application(call, applicant, source="web")
    for state in ("submitted", "in_review"):
        transition_application(application, to=state, by=None)
    ReviewAssignment.objects.create(application=application, reviewer=reviewer)

    # The applicant names a referee on their application page.
    sign_in(page.context, live_server, applicant)
    page.goto(f"{live_server.url}/applications/{application.pk}/")
    page.get_by_label("Referee's name").fill("Charles Babbage")
    page.get_by_label("Referee's email").fill("charles@example.org")
    page.get_by_role("button", name="Name this referee").click()
    page.get_by_text("We emailed Charles Babbage").wait_for()
    assert "not yet" in page.locator("section[aria-labelledby=ref-h]").inner_text()

    # The referee follows the emailed link, in a browser of their own, and uploads a letter.
    mail = OutboundMessage.objects.get(to_email="charles@example.org", kind="referee-request")
    link = re.search(r"https?://\S+/applications/referees/\S+/", mail.body_text).group(0)
    letter_file = tmp_path / "letter.pdf"
    letter_file.write_bytes(pdf("Letter for Ada"))
    referee_context = browser.new_context(locale="en-GB")
    referee_page = referee_context.new_page()
    referee_page.goto(link)
    body = (
        referee_page.locator("main").inner_text()
        if referee_page.locator("main").count()
        else referee_page.inner_text("body")
    )
    assert "Ada Lovelace" in body and "Retraining grants" in body and "ada@example.org" not in body
    referee_page.get_by_label("Your letter as a file").set_input_files(str(letter_file))
    referee_page.get_by_label("Or write it here").fill("Ada is the most remarkable analyst I have known.")
    referee_page.get_by_role("button", name="Send the letter").click()
    referee_page.get_by_text("your letter was received").wait_for()
    referee_page.goto(link)  # one time: the link is dead now
    assert "already been received" in referee_page.inner_text("body")
    referee_context.close()

    # The reviewer reads it on the application page.
    sign_in(page.context, live_server, reviewer)
    page.goto(f"{live_server.url}/applications/{application.pk}/")
    letters = page.locator("section[aria-labelledby=ref-h]")
    assert "remarkable analyst" in letters.inner_text()
    assert letters.get_by_role("link", name="letter.pdf").count() == 1

    # The applicant sees that it came, never what it says.
    sign_in(page.context, live_server, applicant)
    page.goto(f"{live_server.url}/applications/{application.pk}/")
    section = page.locator("section[aria-labelledby=ref-h]").inner_text()
    assert "Charles Babbage" in section and "received" in section and "remarkable" not in section
    assert page.get_by_role("link", name="letter.pdf").count() == 0
