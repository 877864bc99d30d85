"""Browser journey: the pages with the most moving parts (htmx polling and swaps, the review page's own
script, charts, the two-factor setup with its QR image, the admin) load under the Content-Security-Policy
with nothing blocked, and a script URL stored before the checks existed is shown as text, not a link."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest

from program.feedback import answers as feedback
from program.models import Role, Session
from program.services import enroll, generate_program_days
from tests.conftest import make_person
from tests.e2e.conftest import sign_in
from tests.factories import CohortFactory

pytestmark = pytest.mark.e2e


def test_pages_load_with_nothing_blocked_and_no_script_link(transactional_db, live_server, page):
    cohort = CohortFactory(name="MLAB7", slug="mlab7")
    generate_program_days(cohort)
    coordinator = make_person("cora@example.org", Role.COORDINATOR, full_name="Cora Coordinator")
    participant = make_person("pia@example.org", full_name="Pia Participant")
    enroll(cohort, participant, role=Role.PARTICIPANT)
    day = cohort.days.order_by("date").first()
    feedback.submit_day(participant, day, dict.fromkeys(feedback.SCORES, 4) | {"text": "good"})
    # A link stored before links were checked (a bulk update bypasses the validators).
    starts = datetime.combine(day.date, time(9, 30), tzinfo=zoneinfo.ZoneInfo(cohort.timezone))
    session = Session.objects.create(
        day=day,
        title="Evil lecture",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        link="https://example.org/",
    )
    Session.objects.filter(pk=session.pk).update(link="javascript:alert(document.domain)")

    sign_in(page.context, live_server, coordinator)
    for path in [
        f"/cohorts/{cohort.slug}/pairs/?week=1",
        f"/cohorts/{cohort.slug}/progress/",
        f"/cohorts/{cohort.slug}/help/",
        f"/cohorts/{cohort.slug}/feedback/",
        "/admin/",
        "/labs/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")

    sign_in(page.context, live_server, participant)
    page.goto(f"{live_server.url}/today/?date={day.date.isoformat()}")
    assert page.get_by_text("Evil lecture").count() == 1
    assert page.locator("a[href^='javascript:']").count() == 0
    page.goto(f"{live_server.url}/accounts/2fa/totp/activate/")
    page.wait_for_load_state("networkidle")
