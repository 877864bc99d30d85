"""Attendance from activity: present when the pair's machine reported that day, suggestions a TA
confirms in one POST, exceptions kept, late joiners never absent before they joined, absences become
the Absence rows pairing and feedback rates read, and one "we missed you" email per day and person."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications.models import OutboundMessage
from program.cohorts import attendance
from program.labs import collector
from program.models import Absence, Attendance, Enrollment
from program.services import enroll
from tests.conftest import make_person
from tests.program.test_help_queue import junit, make_day, report


@pytest.fixture
def lab(db):
    return make_day(3, slug="att")


def _sheet(day) -> dict[str, tuple[str, str]]:
    return {r["enrollment"].user.email: (r["state"], r["why"]) for r in attendance.day_sheet(day)}


def test_a_report_served_that_day_makes_the_pair_present_and_the_rest_is_suggested(lab):
    active, silent, away = lab["groups"]
    collector.store(active.machine, report(active, junit(("test_add", "passed", ""))))
    absent = Enrollment.objects.get(user=away.members.first(), cohort=lab["cohort"])
    Absence.objects.create(enrollment=absent, day=lab["day"])

    sheet = _sheet(lab["day"])

    for member in active.members.all():
        assert sheet[member.email] == ("present", "their machine reported that day")
    assert sheet[silent.members.first().email][0] == "unexcused"
    assert sheet[away.members.first().email] == ("excused", "absence entered beforehand")


def test_a_report_from_another_day_does_not_count(lab):
    group = lab["groups"][0]
    with time_machine.travel(timezone.now() - timedelta(days=2), tick=False):
        collector.store(group.machine, report(group, junit(("test_add", "passed", ""))))

    assert _sheet(lab["day"])[group.members.first().email][0] == "unexcused"


def test_late_joiners_are_not_listed_for_days_before_they_joined(lab):
    late = make_person("late@example.org")
    enrollment = enroll(lab["cohort"], late, role="participant")
    Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=timezone.now() + timedelta(days=1))

    assert "late@example.org" not in _sheet(lab["day"])


def test_confirming_writes_absences_and_mails_each_missing_person_once(lab, django_capture_on_commit_callbacks):
    silent_one, silent_two = lab["groups"][1].members.order_by("pk")
    rows = attendance.day_sheet(lab["day"])
    states = {r["enrollment"].pk: r["state"] for r in rows}
    excused = Enrollment.objects.get(user=silent_two, cohort=lab["cohort"])
    states[excused.pk] = "excused"  # the exception: a TA knows why

    with django_capture_on_commit_callbacks(execute=True):
        counts = attendance.confirm(lab["day"], states, by=lab["ta"])
    with django_capture_on_commit_callbacks(execute=True):
        attendance.confirm(lab["day"], states, by=lab["ta"])  # confirmed twice: no second mail

    assert counts == {"present": 0, "excused": 1, "unexcused": 5}
    assert Absence.objects.filter(day=lab["day"]).count() == 6  # pairing and feedback rates read these
    mails = OutboundMessage.objects.filter(kind="missed-you")
    assert mails.count() == 5 and silent_one.email in set(mails.values_list("to_email", flat=True))
    assert silent_two.email not in set(mails.values_list("to_email", flat=True))
    row = Attendance.objects.get(enrollment=excused, day=lab["day"])
    assert (row.state, row.source, row.confirmed_by) == ("excused", "ta", lab["ta"])


def test_present_again_removes_the_absence(lab):
    person = lab["groups"][0].members.first()
    enrollment = Enrollment.objects.get(user=person, cohort=lab["cohort"])
    attendance.confirm(lab["day"], {enrollment.pk: "unexcused"}, by=lab["ta"])
    attendance.confirm(lab["day"], {enrollment.pk: "present"}, by=lab["ta"])

    assert not Absence.objects.filter(enrollment=enrollment, day=lab["day"]).exists()
    assert Attendance.objects.get(enrollment=enrollment).state == "present"


def test_the_ta_confirms_the_whole_day_in_one_post_and_others_may_not(client, lab, participant):
    url = reverse("program:attendance", kwargs={"slug": lab["cohort"].slug})
    client.force_login(participant)
    refused = client.get(url)
    client.force_login(lab["ta"])
    page = client.get(url).content.decode()
    form = {f"state-{r['enrollment'].pk}": r["state"] for r in attendance.day_sheet(lab["day"])}
    done = client.post(url, form, follow=True)

    assert refused.status_code == 403
    assert "no activity seen" in page and page.count("<select") == 6
    assert "0 present, 0 excused, 6 unexcused" in done.content.decode()
    assert Attendance.objects.filter(day=lab["day"]).count() == 6
