"""Retention with a time machine: an unsuccessful application is warned 30 days before its call's
retention period ends (once), erased only after that, never while held; a person with nothing else
left is erased too; someone with another live application is not; organizers see what is due."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.files.base import ContentFile
from django.urls import reverse

from applications import retention
from applications.models import Answer, Application, Document, OutboundMessage, Question, Questionnaire
from applications.services import create_application, transition_application
from program.models import ErasureRecord
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db
DECIDED = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def _rejected(email="ada@example.org", name="Ada Lovelace", months=12) -> Application:
    call = CallFactory(retention_months=months)
    questionnaire = Questionnaire.objects.create(call=call, title="Q")
    question = Question.objects.create(questionnaire=questionnaire, key="why", kind="long_text", label="Why?")
    with time_machine.travel(DECIDED - timedelta(days=30), tick=False):
        application = create_application(call, UserFactory(email=email, full_name=name), source="web")
        Answer.objects.create(application=application, question=question, value=f"I am {name}, {email}")
        doc = Document(application=application, kind=Document.Kind.RESUME, original_filename="cv.pdf")
        doc.file.save("cv.pdf", ContentFile(b"%PDF-1.4 cv"), save=True)
    with time_machine.travel(DECIDED, tick=False):
        transition_application(application, to="submitted", by=None)
        transition_application(application, to="in_review", by=None)
        transition_application(application, to="rejected", by=None)
    application.refresh_from_db()
    return application


def _sweep(at: datetime) -> dict:
    with time_machine.travel(at, tick=False):
        return retention.sweep()


def test_warned_once_thirty_days_before_then_erased_and_the_person_with_it(django_capture_on_commit_callbacks):
    application = _rejected()
    due = DECIDED + relativedelta(months=12)
    person = application.applicant

    before = _sweep(due - timedelta(days=31))
    warned = _sweep(due - timedelta(days=29))
    again = _sweep(due - timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        erased = _sweep(due + timedelta(days=2))

    assert before == {"warned": 0, "erased": 0}
    assert warned == {"warned": 1, "erased": 0} and again == {"warned": 0, "erased": 0}
    assert erased == {"warned": 0, "erased": 1}
    warning = OutboundMessage.objects.get(kind="retention-warning")
    assert warning.to_email.startswith("erased-")  # the warning itself was scrubbed with the rest
    application.refresh_from_db()
    person.refresh_from_db()
    assert application.erased_at and not Answer.objects.filter(application=application).exists()
    assert not Document.objects.filter(application=application).exists()
    assert person.erased_at and person.full_name == f"Erased person {person.pk}"  # nothing else was held
    assert set(ErasureRecord.objects.values_list("why", flat=True)) == {"retention"}


def test_a_late_job_warns_first_and_waits_thirty_days():
    application = _rejected()
    due = DECIDED + relativedelta(months=12)

    first = _sweep(due + timedelta(days=5))  # the job did not run for weeks
    subject = OutboundMessage.objects.get(kind="retention-warning").subject
    soon = _sweep(due + timedelta(days=20))
    later = _sweep(due + timedelta(days=36))

    assert first == {"warned": 1, "erased": 0} and soon["erased"] == 0 and later["erased"] == 1
    assert subject.endswith("will be deleted on 19 February 2027")  # 30 days from the warning, not the past
    application.refresh_from_db()
    assert application.erased_at


def test_a_hold_stops_it_until_released(organizer):
    application = _rejected()
    due = DECIDED + relativedelta(months=12)
    held = retention.hold(application, by=organizer, reason="complaint pending")

    during = [_sweep(due - timedelta(days=29)), _sweep(due + timedelta(days=40))]
    retention.release(held, by=organizer)
    after = [_sweep(due + timedelta(days=41)), _sweep(due + timedelta(days=72))]

    assert during == [{"warned": 0, "erased": 0}] * 2
    assert after == [{"warned": 1, "erased": 0}, {"warned": 0, "erased": 1}]


def test_each_call_sets_its_period_and_a_person_with_more_is_kept():
    short = _rejected(months=3)
    other_call = CallFactory()
    create_application(other_call, short.applicant, source="web")  # still in progress
    long = _rejected(email="bob@example.org", name="Bob Stone", months=24)

    _sweep(DECIDED + relativedelta(months=3) - timedelta(days=29))
    result = _sweep(DECIDED + relativedelta(months=3) + timedelta(days=2))

    short.refresh_from_db()
    long.refresh_from_db()
    assert result["erased"] == 1 and short.erased_at and long.erased_at is None
    assert short.applicant.erased_at is None  # their other application is still open
    assert not Answer.objects.filter(application=short).exists()
    assert Answer.objects.filter(application=long).exists()


def test_organizers_see_what_is_due_and_hold_it_and_others_may_not(client, organizer, reviewer):
    application = _rejected()
    with time_machine.travel(DECIDED + relativedelta(months=12) - timedelta(days=20), tick=False):
        client.force_login(reviewer)
        refused = client.get(reverse("applications:retention"))
        client.force_login(organizer)
        page = client.get(reverse("applications:retention")).content.decode()
        held = client.post(reverse("applications:retention-hold", kwargs={"pk": application.pk}), {"reason": "claim"})
        after = client.get(reverse("applications:retention")).content.decode()

    assert refused.status_code == 403
    assert f"#{application.pk}" in page and "15 Jan 2027" in page
    assert held.status_code == 302 and "claim" in after and application.holds.get().by == organizer
