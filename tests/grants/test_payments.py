"""Approval with sign-off, installments, and payments that happen exactly once."""

import io
import threading
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from grants.models import Grant, Installment, Payment, PaymentBatch
from grants.payments import batches as payments
from grants.payments import formats, payouts
from grants.payments.installments import generate_installments, installment_dates, mark_due
from grants.services import ApprovalError, approve_grant, cancel_grant, propose_grant
from program.models import Role
from tests.conftest import make_person
from tests.factories import UserFactory, bank_details


@pytest.fixture
def second_organizer(db):
    return make_person("otto.organizer@example.org", Role.ORGANIZER)


def _grant(monthly="3000", months=3, start=date(2026, 1, 31), details=True):
    """A proposed EUR grant; its grantee has confirmed bank details unless `details=False`."""
    grantee = UserFactory()
    if details:
        bank_details(grantee)
    return propose_grant(grantee, monthly_stipend=Decimal(monthly), start_date=start, months=months, currency="EUR")


def test_installment_dates_keep_the_day_or_the_months_last_day():
    assert installment_dates(date(2026, 1, 31), 4) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert installment_dates(date(2026, 1, 15), 3) == [date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)]


def test_small_grant_needs_one_approver_and_gets_its_installments(organizer, settings):
    settings.GRANT_SECOND_APPROVAL_ABOVE = 10000
    grant = _grant("3000", 3)

    approve_grant(grant, by=organizer, note="solid plan")
    generate_installments(grant)  # again: nothing new

    assert grant.state == "approved"
    assert list(grant.installments.values_list("number", "due_on", "amount", "state")) == [
        (1, date(2026, 1, 31), Decimal("3000.00"), "scheduled"),
        (2, date(2026, 2, 28), Decimal("3000.00"), "scheduled"),
        (3, date(2026, 3, 31), Decimal("3000.00"), "scheduled"),
    ]


def test_large_grant_waits_for_a_second_different_approver(
    organizer, second_organizer, settings, django_capture_on_commit_callbacks
):
    settings.GRANT_SECOND_APPROVAL_ABOVE = 10000
    grant = _grant("4000", 3)

    with django_capture_on_commit_callbacks(execute=True):
        approve_grant(grant, by=organizer)
    assert [m.to for m in mail.outbox] == [[second_organizer.email]]
    with pytest.raises(ApprovalError, match="someone else"):
        approve_grant(grant, by=organizer)
    waiting = Grant.objects.get(pk=grant.pk).state
    approve_grant(grant, by=second_organizer)

    assert (waiting, grant.state) == ("proposed", "approved")
    assert [e.note.split(";")[0] for e in grant.events.all()][1:] == [
        "signed off (1 of 2)",
        "approved (2 of 2 sign-offs)",
    ]
    assert grant.installments.count() == 3


def _checkins_done(grant):
    grant.checkins.update(submitted_at=timezone.now())


def test_mark_due_and_the_two_person_rule(organizer, payer):
    grant = _grant()
    approve_grant(grant, by=payer)
    _checkins_done(grant)

    due = mark_due(date(2026, 2, 28))
    installment = grant.installments.get(number=1)

    assert due == 2
    with pytest.raises(payments.PaymentRefused, match="two-person rule"):
        payments.pay_installment(installment, by=payer)
    with pytest.raises(payments.PaymentRefused, match="permission"):
        payments.pay_installment(installment, by=organizer)


def test_batch_list_pay_return_and_pay_again_after_new_details(organizer, payer):
    grant = _grant()
    approve_grant(grant, by=organizer)
    _checkins_done(grant)
    mark_due(date(2026, 3, 1))

    batch, skipped, held = payments.create_batch(by=payer, currency="EUR")
    csv = pd.read_csv(io.BytesIO(formats.PAYOUT_FORMATS["csv"].listing(batch)))
    xlsx = pd.read_excel(io.BytesIO(formats.PAYOUT_FORMATS["xlsx"].listing(batch)))
    paid, total = payments.pay_batch(batch, by=payer, reference="BANK-001")
    again = payments.pay_batch(batch, by=payer, reference="BANK-001")
    first = Payment.objects.filter(kind="paid").order_by("pk").first()
    payments.record_return(first, by=payer, reason="account closed")
    returned = Installment.objects.get(pk=first.installment_id)
    after_return = (returned.state, returned.hold_reason, returned.attempt)
    refused = payments.pay_installment(returned, by=payer, reference="BANK-002")
    payouts.set_details(grant.grantee, by=grant.grantee, method="iban", holder="New Account", iban="NL91ABNA0417164300")
    payouts.confirm_details(grant.grantee.payout_details, by=organizer)
    repaid = payments.pay_installment(returned, by=payer, reference="BANK-002")

    assert (skipped, held) == ([], {}) and list(csv["number"]) == [1, 2] and list(xlsx["amount"]) == [3000.0, 3000.0]
    assert list(csv["reference"]) == [f"RUNWAY-I{i.pk}-0" for i in grant.installments.filter(number__lte=2)]
    assert (paid, total, again) == (2, Decimal("6000.00"), (0, Decimal("0")))
    assert (after_return, refused) == (("held", "returned", 1), None)
    assert list(Payment.objects.order_by("pk").values_list("kind", "amount", "attempt")) == [
        ("paid", Decimal("3000.00"), 0),
        ("paid", Decimal("3000.00"), 0),
        ("returned", Decimal("-3000.00"), 0),
        ("paid", Decimal("3000.00"), 1),
    ]
    assert repaid.reference == "BANK-002" and Installment.objects.get(pk=first.installment_id).state == "paid"
    assert [e.to_state for e in returned_events(returned)] == [
        "due",
        "in_batch",
        "paid",
        "returned",
        "held",
        "due",
        "paid",
    ]


def returned_events(installment):
    from program.models import StateEvent

    return StateEvent.objects.filter(subject="grants.installment", subject_id=installment.pk).order_by("pk")


def test_approvers_installments_are_left_out_of_their_batches(organizer, payer):
    mine, theirs = _grant(), _grant()
    approve_grant(mine, by=payer)
    approve_grant(theirs, by=organizer)
    mark_due(date(2026, 1, 31))

    batch, skipped, _ = payments.create_batch(by=payer)

    assert [i.grant_id for i in batch.installments.all()] == [theirs.pk]
    assert [i.grant_id for i in skipped] == [mine.pk]


def test_cancelling_a_grant_cancels_what_is_not_paid(organizer, payer):
    grant = _grant()
    approve_grant(grant, by=organizer)
    mark_due(date(2026, 1, 31))
    payments.pay_installment(grant.installments.get(number=1), by=payer, reference="B1")

    cancel_grant(grant, by=organizer, reason="took a job early")

    assert list(grant.installments.values_list("number", "state")) == [(1, "paid"), (2, "cancelled"), (3, "cancelled")]
    assert grant.installments.get(number=2).state_note == "grant cancelled: took a job early"


def _race(target, n):
    results, barrier = [], threading.Barrier(n)

    def run():
        barrier.wait()
        try:
            results.append(target())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_pay_requests_make_exactly_one_payment(organizer, payer):
    grant = _grant()
    approve_grant(grant, by=organizer)
    mark_due(date(2026, 1, 31))
    installment = grant.installments.get(number=1)

    results = _race(
        lambda: payments.pay_installment(Installment.objects.get(pk=installment.pk), by=payer, reference="R"), 50
    )

    assert sum(1 for r in results if r is not None) == 1
    assert Payment.objects.filter(installment=installment).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_batches_made_at_once_share_no_installment_and_one_batch_paid_at_once_pays_once(organizer, payer):
    for _ in range(3):
        grant = _grant()
        approve_grant(grant, by=organizer)
        _checkins_done(grant)
    mark_due(date(2026, 2, 28))

    made = _race(lambda: payments.create_batch(by=payer, currency="EUR")[0], 8)
    made = [b for b in made if b is not None]  # the others found nothing left to take
    members = [i for b in made for i in b.installments.values_list("pk", flat=True)]
    full = made[0]
    results = _race(lambda: payments.pay_batch(PaymentBatch.objects.get(pk=full.pk), by=payer, reference="AT-ONCE"), 20)

    assert sorted(members) == sorted(Installment.objects.filter(number__lte=2).values_list("pk", flat=True))
    assert sum(paid for paid, _ in results) == full.installments.count()
    assert Payment.objects.count() == full.installments.count()
