"""Keyboard only: applying on the web form and reviewing an application, with Tab, Space, the arrow
keys, typing and Enter; no mouse. Each step checks where the focus is, so a control that cannot be
reached by keyboard fails the journey."""

import pytest

from applications.models import Application, Review, ReviewAssignment
from applications.review import reviews
from applications.services import transition_application
from program.models import Role
from tests.conftest import make_person
from tests.e2e.conftest import sign_in
from tests.factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.e2e


def _focused(page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {tag: e.tagName.toLowerCase(), name: e.name || '', type: e.type || '', text: (e.innerText || '').trim()}; }"
    )


def _tab_to(page, *, name: str = "", text: str = "", limit: int = 80) -> dict:
    """Press Tab until the focused control has this name (or this text); fail if it is never reached."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if (name and focused["name"] == name) or (text and focused["text"].startswith(text)):
            return focused
    raise AssertionError(f"never reached {name or text!r} by keyboard")


def test_applying_on_the_web_form_by_keyboard_alone(transactional_db, live_server, page):
    call = CallFactory(kind="grant", slug="grants-keyboard", name="Retraining grants")
    page.goto(f"{live_server.url}/applications/apply/{call.slug}/")
    marker = page.evaluate("() => getComputedStyle(document.querySelector('label[for=id_name]'), '::after').content")
    resume_marker = page.evaluate(
        "() => getComputedStyle(document.querySelector('label[for=id_resume]'), '::after').content"
    )
    assert (marker, resume_marker) == ('" (required)"', "none")  # required fields say so; optional ones don't

    _tab_to(page, name="name")
    page.keyboard.type("Kim Keyboard")
    _tab_to(page, name="email")
    page.keyboard.type("kim@example.org")
    _tab_to(page, text="Send my application")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "Thank you" in page.content()
    assert Application.objects.get(call=call).applicant.email == "kim@example.org"


def test_reviewing_by_keyboard_alone(transactional_db, live_server, page, cohort):
    call = CallFactory(kind="participant", cohort=cohort, slug="mlab-keyboard", name="MLAB participants")
    criteria = reviews.apply_rubric(call)
    application = ApplicationFactory(call=call)
    for state in ("submitted", "in_review"):
        transition_application(application, to=state, by=None)
    reviewer = make_person("kai@example.org", Role.REVIEWER, full_name="Kai Keys")
    ReviewAssignment.objects.create(application=application, reviewer=reviewer)
    sign_in(page.context, live_server, reviewer)
    page.goto(f"{live_server.url}/applications/{application.pk}/review/")

    for criterion in criteria:  # into each group of scores: Space picks 1, two arrows down make it 3
        _tab_to(page, name=f"score_{criterion.key}")
        page.keyboard.press("Space")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
    _tab_to(page, name="recommendation")
    page.keyboard.press("ArrowDown")
    _tab_to(page, name="comment")
    page.keyboard.type("Solid fundamentals; typed without a mouse.")
    _tab_to(page, name="submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    review = Review.objects.get(application=application, reviewer=reviewer)
    assert review.submitted_at is not None
    assert set(review.scores.values()) == {3} and review.comment == "Solid fundamentals; typed without a mouse."
