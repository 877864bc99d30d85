"""Browser journey: a pair whose lab report fails asks for help on Today → the TA's queue (open all
along) shows the entry with the failing test without a reload → the TA claims it, then resolves it →
the pair's Today shows each state as it happens."""

import pytest

from program.labs import collector
from tests.e2e.conftest import sign_in
from tests.program.test_help_queue import junit, make_day, report

pytestmark = pytest.mark.e2e
WITHIN = 5_000  # ms: a new entry appears on the TA's page within 5 s


def _signed_in(browser, live_server, user):
    context = browser.new_context(locale="en-GB")
    sign_in(context, live_server, user)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_ask_see_claim_resolve(transactional_db, live_server, browser, page):
    lab = make_day(3, slug="journey")
    group = lab["groups"][0]
    failing = junit(("test_add", "passed", ""), ("test_mul", "failed", "AssertionError: 2 * 3 gave 5"))
    collector.store(group.machine, report(group, failing))
    participant = group.members.first()

    ta_page = _signed_in(browser, live_server, lab["ta"])
    ta_page.goto(f"{live_server.url}/cohorts/journey/queue/")
    assert "Nobody is waiting" in ta_page.inner_text("#queue")

    pair_page = page
    sign_in(pair_page.context, live_server, participant)
    pair_page.goto(f"{live_server.url}/today/")
    pair_page.get_by_label("What are you stuck on? (optional)").fill("mul gives 5")
    pair_page.get_by_role("button", name="Ask a TA for help").click()
    pair_page.get_by_text("You are in the queue").wait_for()
    assert "number 1" in pair_page.inner_text("#help-box") and "test_mul" in pair_page.inner_text("#help-box")

    # No reload on the TA's side: the queue polls.
    ta_page.get_by_text("AssertionError: 2 * 3 gave 5").wait_for(timeout=WITHIN)
    assert "mul gives 5" in ta_page.inner_text("#queue")
    ta_page.get_by_role("button", name="Claim").click()
    ta_page.get_by_text("Claimed: the pair sees that you are coming.").wait_for()

    pair_page.get_by_text("A TA is coming").wait_for(timeout=WITHIN)
    assert lab["ta"].display_name in pair_page.inner_text("#help-box")

    ta_page.get_by_label("What was it?").fill("off-by-one in the loop")
    ta_page.get_by_role("button", name="Resolved").click()
    ta_page.get_by_text("Resolved.").first.wait_for()

    pair_page.get_by_role("button", name="Ask a TA for help").wait_for(timeout=WITHIN)
    ta_page.context.close()
