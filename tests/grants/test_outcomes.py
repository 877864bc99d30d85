import io
from datetime import date
from decimal import Decimal

import pandas as pd
from django.core import mail
from django.urls import reverse

from grants import outcomes
from grants.services import approve_grant, propose_grant, transition_grant
from tests.factories import UserFactory


def _active(organizer, start):
    grant = propose_grant(UserFactory(), monthly_stipend=Decimal("2000"), start_date=start)
    approve_grant(grant, by=organizer)
    transition_grant(grant, to="active", by=organizer)
    return grant


def test_grantee_is_asked_at_the_end_and_three_and_six_months_later_once_each(
    organizer, django_capture_on_commit_callbacks
):
    grant = _active(organizer, date(2026, 1, 15))  # ends 14 Apr 2026

    with django_capture_on_commit_callbacks(execute=True):
        counts = [
            outcomes.ask_where_they_are(d)
            for d in (
                date(2026, 4, 13),
                date(2026, 4, 14),
                date(2026, 4, 20),
                date(2026, 7, 14),
                date(2026, 10, 14),
                date(2026, 12, 1),
            )
        ]

    assert counts == [0, 1, 0, 1, 1, 0]
    assert [m.to for m in mail.outbox] == [[grant.grantee.email]] * 3


def test_report_counts_latest_outcome_by_year_and_program(client, organizer):
    a, b, c = (
        _active(organizer, date(2025, 11, 1)),
        _active(organizer, date(2026, 2, 1)),
        _active(organizer, date(2026, 3, 1)),
    )
    outcomes.record_outcome(a, kind="other_job", by=organizer)
    outcomes.record_outcome(a, kind="ai_safety_job", organisation="Alignment Lab", by=organizer)  # the latest counts
    outcomes.record_outcome(b, kind="ai_safety_job", by=b.grantee)
    client.force_login(organizer)

    table = outcomes.outcomes_report()
    csv = pd.read_csv(io.StringIO(client.get(reverse("grants:outcomes"), {"format": "csv"}).content.decode()))
    page = client.get(reverse("grants:outcomes"))

    assert sorted(map(tuple, table[["year", "outcome", "grants"]].values.tolist())) == [
        (2026, "AI-safety job", 2),
        (2026, "Unknown", 1),
    ]
    assert csv["grants"].sum() == 3 and b"<svg" in page.content
    assert c.outcomes.count() == 0


def test_grantee_records_where_they_are(client, organizer):
    grant = _active(organizer, date(2026, 1, 15))
    client.force_login(grant.grantee)

    client.post(
        reverse("grants:where", kwargs={"pk": grant.pk}), {"kind": "ai_safety_job", "organisation": "Safety Org"}
    )

    outcome = grant.outcomes.get()
    assert (outcome.kind, outcome.organisation, outcome.recorded_by) == ("ai_safety_job", "Safety Org", grant.grantee)
