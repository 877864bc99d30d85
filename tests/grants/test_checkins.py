from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from grants import checkins
from grants.models import Installment
from grants.payments.installments import mark_due
from grants.services import approve_grant, propose_grant, transition_grant
from tests.factories import UserFactory, bank_details


@pytest.fixture
def active(organizer):
    grantee = UserFactory()
    bank_details(grantee)
    grant = propose_grant(grantee, monthly_stipend=Decimal("2000"), start_date=date(2026, 1, 15))
    approve_grant(grant, by=organizer)
    transition_grant(grant, to="active", by=organizer)
    return grant


def test_checkins_fall_the_day_before_the_next_installment(active):
    assert [c.due_on for c in active.checkins.all()] == [date(2026, 2, 14), date(2026, 3, 14), date(2026, 4, 14)]


def test_overdue_checkin_holds_the_next_installment_until_it_arrives(client, active):
    mark_due(date(2026, 2, 15))
    held = Installment.objects.get(grant=active, number=2)
    client.force_login(active.grantee)

    client.post(
        reverse("grants:checkin", kwargs={"pk": active.checkins.get(number=1).pk}),
        {"studied": "Sutton & Barto ch. 1-6", "papers": "DQN"},
    )

    assert held.state == "held" and held.state_note == "waiting for an overdue check-in"
    assert Installment.objects.get(pk=held.pk).state == "due"
    assert list(active.installments.values_list("number", "state")) == [(1, "due"), (2, "due"), (3, "scheduled")]


def test_a_released_installment_without_confirmed_bank_details_stays_held_for_them(client, active):
    active.grantee.payout_details.delete()
    mark_due(date(2026, 2, 15))
    client.force_login(active.grantee)

    client.post(reverse("grants:checkin", kwargs={"pk": active.checkins.get(number=1).pk}), {"studied": "RL"})

    assert list(active.installments.order_by("number").values_list("state", "hold_reason")) == [
        ("held", "bank_details"),
        ("held", "bank_details"),
        ("scheduled", ""),
    ]


def test_reminders_before_after_and_escalation_each_once(active, organizer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        before = checkins.send_reminders(date(2026, 2, 8))
        again = checkins.send_reminders(date(2026, 2, 9))
        late = checkins.send_reminders(date(2026, 2, 21))

    assert before == {"before": 1, "after": 0, "escalated": 0} and again == {"before": 0, "after": 0, "escalated": 0}
    assert late == {"before": 0, "after": 1, "escalated": 1}
    assert [m.subject for m in mail.outbox] == [
        "Your monthly check-in is due 14 February",
        "Your check-in is overdue",
        f"Check-in a week late: grant #{active.pk}",
    ]
    assert mail.outbox[2].to == [organizer.email]


def test_only_the_grantee_writes_a_checkin(client, active, organizer):
    client.force_login(organizer)

    response = client.post(reverse("grants:checkin", kwargs={"pk": active.checkins.first().pk}), {"studied": "x"})

    assert response.status_code == 403
