"""The demo's grants, through the real services: the accepted grant applications became proposals (the
receiver does that); one stays proposed, one is approved with its letter sent, one is active (letter
accepted, payout details, a batch paid, a payment returned by the bank, a check-in overdue and the
next installment held), one completed (every installment paid, the daily job completed it, an outcome
recorded) and one cancelled."""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from grants import checkins, letters, outcomes
from grants.models import Grant, Payment
from grants.payments import batches
from grants.payments.installments import mark_due
from grants.payments.payouts import update_payout_details
from grants.services import approve_grant, cancel_grant, complete_finished
from program.models import User


def build_grants(applications, organizer: User, payer: User) -> None:
    grants = [Grant.objects.get(application=a) for a in applications[:5]]
    if len(grants) < 5:
        return
    proposed, approved, active, completed, cancelled = grants
    today = timezone.localdate()
    _start(active, today - timedelta(days=45))
    _start(completed, today - relativedelta(months=4) - timedelta(days=5))
    for grant in (approved, active, completed, cancelled):
        approve_grant(grant, by=organizer, note="A clear plan with milestones; references check out.")
    letters.send_letter(approved, by=organizer)
    for grant in (active, completed):
        letter = letters.send_letter(grant, by=organizer)
        letters.accept_letter(letter, name=grant.grantee.display_name, ip="192.0.2.10", by=grant.grantee)
        update_payout_details(
            grant.grantee, by=payer, method_label="SEPA transfer", reference=f"RUNWAY-{grant.pk:05d}", last4="4821",
            tax_form_status="received",
        )  # fmt: skip
    cancel_grant(cancelled, by=organizer, reason="Took a job before starting.")
    _completed(completed, payer, organizer)
    _active(active, payer)
    mark_due(today)
    outcomes.ask_where_they_are(today)  # the completed grantee is asked where they are now


def _start(grant: Grant, start) -> None:
    """A proposal's start date, set before sign-off (what an organizer edits on a proposal)."""
    Grant.objects.filter(pk=grant.pk).update(start_date=start)
    grant.refresh_from_db()


def _completed(grant: Grant, payer: User, organizer: User) -> None:
    for checkin in grant.checkins.order_by("number"):
        checkins.submit_checkin(
            checkin, by=grant.grantee, studied="Sutton & Barto chapters; DQN on CartPole.", papers="DQN", plans="PPO"
        )
    mark_due(grant.ends_on())
    batch, _ = batches.create_batch(by=payer, installments=list(grant.installments.all()), note="Demo: earlier runs")
    batches.pay_batch(batch, by=payer, reference="SEPA-2026-08-31")
    complete_finished(timezone.localdate())
    outcomes.record_outcome(
        grant, kind="ai_safety_job", by=organizer, organisation="Safety Lab", note="Research engineer from next month."
    )


def _active(grant: Grant, payer: User) -> None:
    """The first installment paid, returned by the bank (a wrong IBAN) and due again; the first check-in
    is overdue, so the second installment is held when it falls due."""
    first = grant.installments.get(number=1)
    mark_due(first.due_on)
    batch, _ = batches.create_batch(by=payer, installments=[first], note="Demo: first stipend")
    batches.pay_batch(batch, by=payer, reference="SEPA-2026-10-17")
    payment = Payment.objects.get(installment=first, kind=Payment.Kind.PAID)
    batches.record_return(payment, by=payer, reason="Account closed (AC04): asked the grantee for new details")
