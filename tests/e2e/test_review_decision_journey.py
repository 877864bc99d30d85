"""Browser journey: a reviewer scores → the organizer accepts and sends the email → the applicant
sees the decision and confirms their place."""

import re

import pytest
from django.core import mail

from applications.models import ReviewAssignment
from applications.review import reviews
from applications.services import transition_application
from program.models import Enrollment, Role
from tests.conftest import activate_totp, make_person
from tests.e2e.conftest import sign_in
from tests.factories import ApplicationFactory, CallFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_review_then_decision_then_confirmation(transactional_db, live_server, page, cohort):
    call = CallFactory(kind="participant", cohort=cohort, slug="mlab3-journey", name="MLAB3 participants")
    reviews.apply_rubric(call)
    applicant = UserFactory(full_name="Pat Applicant", email="pat@example.org")
    application = ApplicationFactory(call=call, applicant=applicant)
    for state in ["submitted", "in_review"]:
        transition_application(application, to=state, by=None)
    reviewer = make_person("rex@example.org", Role.REVIEWER, full_name="Rex Reviewer")
    ReviewAssignment.objects.create(application=application, reviewer=reviewer)
    organizer = make_person("olive@example.org", Role.ORGANIZER, full_name="Olive Organizer")
    activate_totp(organizer)

    sign_in(page.context, live_server, reviewer)
    page.goto(f"{live_server.url}/applications/{application.pk}/review/")
    for key, score in [("programming", 5), ("math", 4), ("alignment", 4), ("attendance", 5)]:
        page.locator(f"input[name=score_{key}][value='{score}']").check()
    assert page.locator("#weighted-total").inner_text() == "4.50"  # (10 + 6 + 6 + 5) / 6
    page.locator("select[name=recommendation]").select_option("strong_yes")
    page.get_by_role("button", name="Submit review").click()
    page.wait_for_url(re.compile(r"/review/$"))

    sign_in(page.context, live_server, organizer)
    page.goto(f"{live_server.url}/applications/calls/{call.slug}/queue/")
    assert page.locator("table.queue tbody tr td strong").first.inner_text() == "4.50"
    page.get_by_label(f"Select #{application.pk}").check()
    page.locator("select[name=action]").select_option("accepted")
    page.get_by_role("button", name="Apply to selected").click()
    page.goto(f"{live_server.url}/applications/outbox/")
    assert page.get_by_text("Welcome to MLAB3 participants").is_visible()
    page.get_by_role("button", name="Send all drafts").click()
    page.wait_for_url(re.compile(r"/applications/outbox/$"))
    assert [m.subject for m in mail.outbox] == ["Welcome to MLAB3 participants"]

    sign_in(page.context, live_server, applicant)
    page.goto(f"{live_server.url}/applications/{application.pk}/")
    assert page.locator(".facts .badge").first.inner_text() == "Accepted"
    page.get_by_role("button", name="Confirm my place").click()
    page.wait_for_url(re.compile(rf"/applications/{application.pk}/$"))
    assert page.get_by_text("Confirmed").first.is_visible()
    assert Enrollment.objects.filter(cohort=cohort, user=applicant, role="participant").exists()
