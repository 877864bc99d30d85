from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from applications.interviews import services as interviews
from applications.models import ConflictOfInterest, Interview, InterviewAvailability, InterviewSlot
from applications.services import transition_application
from program.models import Role, StateEvent
from tests.conftest import make_person
from tests.factories import ApplicationFactory, CallFactory, UserFactory


@pytest.fixture
def invited(db):
    call = CallFactory(kind="grant", slug="grants-iv")
    apps = []
    for i in range(3):
        app = ApplicationFactory(
            call=call, applicant=UserFactory(timezone="America/New_York" if i == 0 else "Europe/Berlin")
        )
        for state in ["submitted", "in_review", "interview"]:
            transition_application(app, to=state, by=None)
        apps.append(app)
    return call, apps


@pytest.fixture
def slots(db):
    interviewer = make_person("ivy@example.org", Role.INTERVIEWER, full_name="Ivy Interviewer")
    start = (timezone.now() + timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)
    return [
        InterviewSlot.objects.create(interviewer=interviewer, starts_at=start + timedelta(hours=k)) for k in range(2)
    ]


def _ics(message) -> Calendar:
    (name, content, mimetype) = message.attachments[0]
    assert name == "invite.ics" and mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def test_booking_sends_an_invitation_in_the_applicants_time_zone(invited, slots, django_capture_on_commit_callbacks):
    _call, (app, *_rest) = invited

    with django_capture_on_commit_callbacks(execute=True):
        interview = interviews.book(app, slots[0], by=app.applicant)

    event = _ics(mail.outbox[0]).walk("VEVENT")[0]
    assert event["DTSTART"].dt == slots[0].starts_at
    assert str(event["DTSTART"].dt.tzinfo) == "America/New_York"
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (f"interview-{interview.pk}@localhost", 0)
    assert "America/New_York" in mail.outbox[0].body


def test_a_slot_is_never_given_twice_and_one_live_interview_per_applicant(invited, slots):
    _call, (a, b, _c) = invited
    interviews.book(a, slots[0], by=a.applicant)

    with pytest.raises(interviews.InterviewError, match="just taken"):
        interviews.book(b, slots[0], by=b.applicant)
    with pytest.raises(interviews.InterviewError):
        interviews.book(a, slots[1], by=a.applicant)


def test_reschedule_updates_the_same_calendar_entry_and_cancel_cancels_it(
    invited, slots, django_capture_on_commit_callbacks
):
    _call, (a, *_rest) = invited
    with django_capture_on_commit_callbacks(execute=True):
        interview = interviews.book(a, slots[0], by=a.applicant)
        interviews.reschedule(interview, slots[1], by=a.applicant)
        interviews.cancel(interview, by=a.applicant)

    events = [
        (_ics(m).get("METHOD"), int(_ics(m).walk("VEVENT")[0]["SEQUENCE"]), str(_ics(m).walk("VEVENT")[0]["UID"]))
        for m in mail.outbox
    ]
    assert [(m, s) for m, s, _ in events] == [("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 2)]
    assert len({uid for _, _, uid in events}) == 1
    assert Interview.objects.get().state == "cancelled"


def test_automatic_matching_respects_availability_and_conflicts(invited, slots, organizer):
    call, (a, b, c) = invited
    InterviewAvailability.objects.create(application=a, slot=slots[0])
    InterviewAvailability.objects.create(application=b, slot=slots[0])
    InterviewAvailability.objects.create(application=b, slot=slots[1])
    InterviewAvailability.objects.create(application=c, slot=slots[1])
    ConflictOfInterest.objects.create(application=c, reviewer=slots[1].interviewer)

    booked, meta = interviews.auto_match(call, by=organizer)

    assert sorted((i.application_id, i.slot_id) for i in booked) == sorted([(a.pk, slots[0].pk), (b.pk, slots[1].pk)])
    assert meta["max_schedulable"] == 2


def test_applicant_books_from_the_page_and_interviewer_fills_the_scorecard(client, invited, slots, organizer):
    _call, (a, *_rest) = invited
    client.force_login(a.applicant)
    client.post(reverse("applications:interview", kwargs={"pk": a.pk}), {"book": slots[0].pk})
    interview = Interview.objects.get()

    client.force_login(slots[0].interviewer)
    detail = client.get(reverse("applications:detail", kwargs={"pk": a.pk}))
    with time_machine.travel(slots[0].starts_at + timedelta(minutes=20)):  # an outcome only once it has started
        client.post(
            reverse("applications:scorecard", kwargs={"pk": interview.pk}),
            {"score": "4", "recommendation": "yes", "notes": "Clear thinker"},
        )
    other = UserFactory()
    make_person("ian@example.org", Role.INTERVIEWER)
    client.force_login(other)
    refused = client.get(reverse("applications:scorecard", kwargs={"pk": interview.pk}))
    client.force_login(organizer)
    staff_view = client.get(reverse("applications:detail", kwargs={"pk": a.pk}))

    interview.refresh_from_db()
    assert detail.status_code == 200 and refused.status_code == 403
    assert (interview.state, interview.score, interview.notes) == ("completed", 4, "Clear thinker")
    assert b"Clear thinker" in staff_view.content


def test_inviting_from_the_queue_emails_the_booking_link(client, organizer, django_capture_on_commit_callbacks):
    call = CallFactory(kind="grant", slug="grants-inv")
    app = ApplicationFactory(call=call)
    for state in ["submitted", "in_review"]:
        transition_application(app, to=state, by=None)
    client.force_login(organizer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applications:bulk", kwargs={"slug": call.slug}), {"action": "interview", "ids": [app.pk]})

    app.refresh_from_db()
    assert app.state == "interview"
    assert [m.subject for m in mail.outbox] == [f"Interview invitation: {call.name}"]
    assert f"/applications/{app.pk}/interview/" in mail.outbox[0].body


def test_an_outcome_waits_for_the_interview_and_a_no_show_for_its_end(invited, slots, organizer):
    _call, (a, *_rest) = invited
    interview = interviews.book(a, slots[0], by=a.applicant)
    start, end = slots[0].starts_at, slots[0].starts_at + timedelta(minutes=slots[0].minutes)

    with pytest.raises(interviews.InterviewError, match="once the interview has started"):
        interviews.record_outcome(interview, by=organizer, score=4, now=start - timedelta(minutes=1))
    with pytest.raises(interviews.InterviewError, match="after the interview has ended"):
        interviews.record_outcome(interview, by=organizer, no_show=True, now=end - timedelta(minutes=1))
    interviews.record_outcome(interview, by=organizer, no_show=True, now=end + timedelta(minutes=1))

    interview.refresh_from_db()
    assert interview.state == "no_show"
    assert list(
        StateEvent.objects.filter(subject="applications.interview").values_list("from_state", "to_state", "actor")
    ) == [("scheduled", "no_show", organizer.pk)]


def test_a_cancelled_interview_never_gets_an_outcome(invited, slots, organizer):
    _call, (a, *_rest) = invited
    interview = interviews.book(a, slots[0], by=a.applicant)
    interviews.cancel(interview, by=a.applicant)

    with pytest.raises(interviews.InterviewError, match="cancelled cannot become completed"):
        interviews.record_outcome(interview, by=organizer, score=5, now=slots[0].starts_at + timedelta(hours=1))

    assert Interview.objects.get(pk=interview.pk).state == "cancelled"
