from django.urls import reverse
from icalendar import Calendar

from program.cohorts import pairs
from program.models import CalendarFeed


def test_person_feed_lists_program_days_with_partners_and_rotation_kills_the_old_url(client, participant, cohort):
    from program.services import enroll
    from tests.conftest import make_person

    partner = make_person("pat@example.org", full_name="Pat Partner")
    enroll(cohort, partner, role="participant")
    pairs.generate(cohort, from_day=cohort.days.order_by("date").first().date)
    client.force_login(participant)
    client.get(reverse("program:calendar"))
    old = CalendarFeed.objects.get(user=participant).token

    feed = Calendar.from_ical(client.get(reverse("program:feed", kwargs={"token": old})).content)
    client.post(reverse("program:calendar"))
    after = client.get(reverse("program:feed", kwargs={"token": old}))

    events = feed.walk("VEVENT")
    assert len(events) == cohort.days.count()
    assert str(events[0]["DESCRIPTION"]) == "Pair with Pat Partner."
    assert str(events[0]["DTSTART"].dt.tzinfo) == "Europe/London"
    assert after.status_code == 404


def test_cohort_feed(client, cohort):
    feed = CalendarFeed.objects.create(cohort=cohort)

    body = client.get(reverse("program:feed", kwargs={"token": feed.token}))

    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(body.content).walk("VEVENT")]
    assert summaries[0] == "MLAB3 day 1" and any(s.endswith("(optional)") for s in summaries)
