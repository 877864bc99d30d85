from collections import Counter

import pytest
from django.apps import apps
from django.core.management import call_command

from applications.models import Application, Call
from grants.models import Grant
from program.models import Cohort, Enrollment, ProgramDay, Role, User


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_builds_the_mlab3_program():
    call_command("seed_demo", "--quiet")

    cohort = Cohort.objects.get(slug="mlab3")
    days = ProgramDay.objects.filter(cohort=cohort)
    assert cohort.name == "MLAB3"
    confirmed = Application.objects.filter(call__cohort=cohort, offer__response="confirmed").count()
    assert confirmed >= 1  # accepted applicants who confirmed their place joined the cohort
    assert Counter(Enrollment.objects.filter(cohort=cohort).values_list("role", flat=True)) == {
        "participant": 32 + confirmed,
        "ta": 4,
    }
    assert (days.filter(is_optional=False).count(), {d.date.weekday() for d in days.filter(is_optional=False)}) == (
        15,
        {0, 1, 2, 3, 4},
    )
    assert {d.date.weekday() for d in days.filter(is_optional=True)} == {5}
    assert sorted(Call.objects.values_list("kind", flat=True)) == ["grant", "participant", "ta"]
    from applications.models import InboundMessage

    by_mail = InboundMessage.objects.filter(outcome="application_created").count()  # the demo's inbound mail
    assert Application.objects.count() == 60 + by_mail + 1  # + a returning applicant from a +tag address
    assert len(set(Application.objects.values_list("state", flat=True))) == 9
    assert sorted(Grant.objects.values_list("state", flat=True)) == [
        "active",
        "approved",
        "approved",  # the two grants proposed directly, their stipends due now
        "approved",
        "cancelled",
        "completed",
        "proposed",
    ]
    for role in Role:
        assert User.objects.filter(role_assignments__role=role).exists(), role


@pytest.mark.django_db
def test_every_demo_application_history_is_a_chain_of_events():
    call_command("seed_demo", "--quiet")

    for application in Application.objects.prefetch_related("events"):
        states = [(e.from_state, e.to_state) for e in application.events.all()]
        assert states[0] == ("", "received")
        assert all(prev[1] == nxt[0] for prev, nxt in zip(states, states[1:]))
        assert states[-1][1] == application.state


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", "--quiet")
    before = _row_counts()
    users_before = list(User.objects.order_by("pk").values_list("pk", "email", "password", "is_staff"))

    call_command("seed_demo", "--quiet")

    assert _row_counts() == before
    assert list(User.objects.order_by("pk").values_list("pk", "email", "password", "is_staff")) == users_before


FEATURE_TABLES = [
    "applications.Answer", "applications.Document", "program.Curriculum", "program.CurriculumDay", "program.Exercise",
    "program.LabReport", "program.CheckResult", "applications.Interview", "applications.InterviewAvailability",
    "applications.Decision", "applications.Offer", "applications.Promotion", "grants.Payment", "grants.PaymentBatch",
    "grants.GrantLetter", "grants.TAOfferLetter", "grants.GrantOutcome", "grants.PayoutDetails", "grants.CheckIn",
    "program.DayFeedback", "program.EndSurvey", "program.Absence", "applications.Subscriber",
    "applications.Announcement", "applications.AccessRequest", "applications.InboundMessage", "program.Session",
    "program.TAAssignment", "program.DoNotPair", "program.CalendarFeed", "applications.ConflictOfInterest",
    "grants.AlumniNote", "program.StateEvent", "applications.OutboundMessage", "grants.PayoutFile",
    "grants.BankStatement", "grants.StatementEntry", "grants.TaxForm", "grants.PayoutDetailsChange",
    "applications.PossibleDuplicate",
]  # fmt: skip


@pytest.mark.django_db
def test_the_demo_leaves_euro_installments_to_batch_and_a_grantee_paid_through_wise(capsys):
    import json

    from grants.models import Installment, PayoutDetails, PayoutFile

    call_command("seed_demo", "--quiet")
    call_command("payout_batch", "--currency", "EUR", "--json")
    batch = json.loads(capsys.readouterr().out)

    assert batch["installments"] >= 3 and batch["currency"] == "EUR"
    paid_by_wise = Installment.objects.filter(state="paid", currency="USD", payments__batch__files__format="wise")
    assert paid_by_wise.exists() and PayoutFile.objects.filter(format="sepa").exists()
    assert PayoutDetails.objects.filter(grantee=paid_by_wise.first().grant.grantee, method="wise").exists()
    assert Installment.objects.filter(state="held", hold_reason="returned").exists()  # the AC04 return
    assert PayoutDetails.objects.filter(confirmed_at__isnull=True).exists()  # new details waiting for a second person


@pytest.mark.django_db
def test_seed_demo_leaves_rows_in_every_features_tables():
    call_command("seed_demo", "--quiet")

    empty = [label for label in FEATURE_TABLES if not apps.get_model(label).objects.exists()]
    assert empty == []


@pytest.mark.django_db
def test_the_demo_is_a_program_in_its_second_week_with_consistent_dates():
    from django.utils import timezone

    from applications.models import InboundMessage
    from program.labs import progress
    from program.models import Session

    call_command("seed_demo", "--quiet")

    today = timezone.localdate()
    cohort = Cohort.objects.get(slug="mlab3")
    assert 7 <= (today - cohort.starts_on).days < 14  # the second week
    assert all(c.closes_at.date() < cohort.starts_on for c in Call.objects.exclude(kind="grant"))
    completed = Grant.objects.get(state="completed")
    assert completed.ends_on() < today and completed.outcomes.exists()
    assert not Session.objects.filter(title__in=["Lecture", "Lecture: Lecture"]).exists()
    assert all(d.curriculum_day_id for d in cohort.days.filter(is_optional=False)[:15])
    states = set(progress.frame(cohort, days=list(cohort.days.filter(date=today)))["state"])
    assert {"done", "in progress", "not started", "broken", "no report"} <= states
    assert set(InboundMessage.objects.values_list("outcome", flat=True)) >= {"application_created", "rejected"}
    skills = set(Enrollment.objects.filter(cohort=cohort, role="participant").values_list("skill", flat=True))
    assert len(skills) >= 4 and len(set(Enrollment.objects.values_list("background", flat=True))) >= 2
