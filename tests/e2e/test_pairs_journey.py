"""Browser journey: the coordinator generates pairs on the week board, swaps two people (htmx, in
place), regenerates the following days, and a participant sees today's partner on their Today page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from program.models import LabMachine, PairGroup, Role, Room
from program.services import enroll, generate_program_days
from tests.conftest import make_person
from tests.e2e.conftest import sign_in
from tests.factories import CohortFactory

pytestmark = pytest.mark.e2e


def test_generate_swap_regenerate_and_the_participant_sees_the_partner(transactional_db, live_server, page):
    cohort = CohortFactory(name="MLAB9", slug="mlab9")
    generate_program_days(cohort)
    room = Room.objects.create(name="Lab A")
    for i in range(6):
        LabMachine.objects.create(name=f"gpu{i}", url=f"http://10.0.0.{i}:8750", token="t", room=room)
    coordinator = make_person("cora@example.org", Role.COORDINATOR, full_name="Cora Coordinator")
    people = [make_person(f"p{i}@example.org", full_name=f"Person {chr(65 + i)}") for i in range(8)]
    for person in people:
        enroll(cohort, person, role=Role.PARTICIPANT)
    first_day, second_day = cohort.days.order_by("date")[:2]
    pia = people[0]

    sign_in(page.context, live_server, coordinator)
    page.goto(f"{live_server.url}/cohorts/{cohort.slug}/pairs/?week=1")
    page.get_by_label("From").fill(first_day.date.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Generate pairs").click()
    assert re.search(r"Pairs generated: (\d+) repeats \(the least possible is \1\)", page.content())

    stranger = next(p for p in people[1:] if not PairGroup.objects.filter(day=first_day, members=pia).filter(members=p))
    row = page.locator(f"#day-{first_day.pk}")
    row.get_by_text("Swap two people").click()  # the board is compact: swapping opens on demand
    row.get_by_label("Swap").select_option(label=pia.display_name)
    row.get_by_label("with").select_option(label=stranger.display_name)
    row.get_by_role("button", name="Swap").click()
    page.locator(f"#day-{first_day.pk} [role=status]").wait_for()  # the row was swapped in place by htmx
    assert f"Swapped {pia.display_name} and {stranger.display_name}" in row.inner_text()
    partner_after_swap = PairGroup.objects.get(day=first_day, members=pia).members.exclude(pk=pia.pk).get()

    page.get_by_label("From").fill(second_day.date.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Generate pairs").click()
    assert "Pairs generated" in page.content()
    assert PairGroup.objects.get(day=first_day, members=pia).members.exclude(pk=pia.pk).get() == partner_after_swap

    # Someone is away on a coming day: only the groups around them change, the row says who was told.
    coming = cohort.days.filter(date__gte=max(second_day.date, timezone.localdate())).order_by("date").first()
    week = (coming.date - (first_day.date - timedelta(days=first_day.date.weekday()))).days // 7 + 1
    away = PairGroup.objects.filter(day=coming).exclude(members=pia).first().members.first()
    page.goto(f"{live_server.url}/cohorts/{cohort.slug}/pairs/?week={week}")
    row = page.locator(f"#day-{coming.pk}")
    row.get_by_text("Someone is away").click()
    row.get_by_label("Away").select_option(label=away.display_name)
    row.get_by_role("button", name="Re-pair around them").click()
    page.locator(f"#day-{coming.pk} [role=status]").wait_for()
    assert f"{away.display_name} is away on day {coming.number}" in row.inner_text()
    assert away.display_name not in row.locator(".members").all_inner_texts()
    assert "skill gap" in row.inner_text()  # each pair says why

    sign_in(page.context, live_server, pia)
    page.goto(f"{live_server.url}/today/?date={first_day.date.isoformat()}")
    assert page.locator("#partner").inner_text().startswith(f"You pair with {partner_after_swap.display_name} on gpu")
    assert page.locator("#why").inner_text().startswith("Why: ")
