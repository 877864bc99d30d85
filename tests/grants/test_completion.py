"""A grant becomes completed by the daily job once its end date has passed and its last installment is paid."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from grants.models import GrantEvent, Installment
from grants.payments.installments import mark_due
from grants.services import approve_grant, complete_finished, propose_grant, transition_grant
from grants.tasks import task_complete_grants
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _active(organizer, start: date, months: int = 2):
    grant = propose_grant(UserFactory(), monthly_stipend=Decimal("1000"), start_date=start, months=months)
    approve_grant(grant, by=organizer)
    transition_grant(grant, to="active", by=organizer)
    return grant


def _pay_all(grant):
    Installment.objects.filter(grant=grant).update(state="paid")


def test_a_finished_and_paid_grant_is_completed_with_an_event(organizer):
    today = date(2026, 6, 1)
    done = _active(organizer, date(2026, 1, 1))  # ends 28 Feb
    _pay_all(done)
    unpaid = _active(organizer, date(2026, 1, 1))
    mark_due(today)
    running = _active(organizer, today - timedelta(days=10))  # ends next month
    _pay_all(running)

    moved = complete_finished(today)

    assert moved == [done.pk]
    done.refresh_from_db(), unpaid.refresh_from_db(), running.refresh_from_db()
    assert (done.state, unpaid.state, running.state) == ("completed", "active", "active")
    event = GrantEvent.objects.filter(grant=done).latest("pk")
    assert (event.from_state, event.to_state, event.actor) == ("active", "completed", None)
    assert "last installment is paid" in event.note


def test_the_job_runs_again_without_moving_anything_twice(organizer):
    grant = _active(organizer, date(2025, 1, 1))
    _pay_all(grant)

    first, second = task_complete_grants.apply().get(), task_complete_grants.apply().get()

    assert (first, second) == (1, 0)
    assert GrantEvent.objects.filter(grant=grant, to_state="completed").count() == 1
