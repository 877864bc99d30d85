from datetime import date
from decimal import Decimal

import pytest

from grants.models import GrantState
from grants.services import TransitionNotAllowed, propose_grant, transition_grant
from tests.factories import UserFactory


@pytest.mark.django_db
def test_propose_then_approve_records_events(organizer):
    grantee = UserFactory()
    grant = propose_grant(grantee, monthly_stipend=Decimal("3500"), start_date=date(2026, 1, 15), by=organizer)

    transition_grant(grant, to=GrantState.APPROVED, by=organizer, note="strong plan")

    grant.refresh_from_db()
    assert grant.state == "approved"
    assert list(grant.events.values_list("from_state", "to_state", "note")) == [
        ("", "proposed", ""),
        ("proposed", "approved", "strong plan"),
    ]
    assert grantee.roles == frozenset({"applicant"})


@pytest.mark.django_db
def test_grant_cannot_skip_approval(organizer):
    grant = propose_grant(UserFactory(), monthly_stipend=Decimal("3500"), start_date=date(2026, 1, 15))

    with pytest.raises(TransitionNotAllowed, match="proposed cannot become active"):
        transition_grant(grant, to=GrantState.ACTIVE, by=organizer)


@pytest.mark.django_db
def test_grant_ends_on_last_day_of_its_months():
    grant = propose_grant(UserFactory(), monthly_stipend=Decimal("3000"), start_date=date(2026, 1, 15), months=3)

    assert grant.ends_on() == date(2026, 4, 14)
    assert grant.total_amount == Decimal("9000")
