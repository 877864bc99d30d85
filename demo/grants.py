"""The demo's grants, through the real services: the accepted grant applications became proposals (the
receiver does that); one stays proposed, one is approved with its letter sent, one is active, one
completed and one cancelled; two more were proposed directly by an organizer.

Money moves as it would with a bank: grantees enter their own bank details and a second person confirms
them; the payments team builds a batch, makes the SEPA or Wise file, and the pretend bank
(`demo.bank`) executes it and sends back a statement that Runway imports.
- active (EUR): the first stipend was paid by SEPA, then returned by the bank (AC04, account closed);
  the grantee entered new details that wait for a second person; the first check-in is overdue, so
  the second installment is held for it.
- completed (USD): paid through Wise, every installment matched from Wise statements, an outcome recorded.
- two direct EUR grants with confirmed IBANs and their check-ins in: installments due now, ready for
  `payout_batch --currency EUR`; tax forms for this year on file.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.files.base import ContentFile
from django.utils import timezone

from demo import bank
from grants import checkins, letters, outcomes
from grants.models import Grant
from grants.payments import batches, payouts
from grants.payments.exporting import export_file, file_bytes
from grants.payments.installments import mark_due
from grants.payments.reconcile import import_statement
from grants.services import approve_grant, cancel_grant, complete_finished, propose_direct_grant
from program.models import User
from program.pdf import render_pdf

DIRECT = [
    ("mara.nowak@example.org", "Mara Nowak", "DE75512108001245126199", "2400"),
    ("jonas.lindqvist@example.org", "Jonas Lindqvist", "NL91ABNA0417164300", "2600"),
]


def build_grants(applications, organizer: User, payer: User) -> None:
    grants = [Grant.objects.get(application=a) for a in applications[:5]]
    if len(grants) < 5:
        return
    proposed, approved, active, completed, cancelled = grants
    today = timezone.localdate()
    _terms(active, today - timedelta(days=45), "EUR")
    _terms(completed, today - relativedelta(months=4) - timedelta(days=5), "USD")
    for grant in (approved, active, completed, cancelled):
        approve_grant(grant, by=organizer, note="A clear plan with milestones; references check out.")
    letters.send_letter(approved, by=organizer)
    for grant in (active, completed):
        letter = letters.send_letter(grant, by=organizer)
        letters.accept_letter(letter, name=grant.grantee.display_name, ip="192.0.2.10", by=grant.grantee)
    _details(active.grantee, organizer, method="iban", iban="DE89370400440532013000")
    _details(completed.grantee, payer, method="wise", wise_email=completed.grantee.email)
    cancel_grant(cancelled, by=organizer, reason="Took a job before starting.")
    _completed(completed, payer, organizer)
    _active(active, payer)
    _direct(organizer, payer, today)
    mark_due(today)
    outcomes.ask_where_they_are(today)  # the completed grantee is asked where they are now


def _terms(grant: Grant, start, currency: str) -> None:
    """A proposal's start date and currency, set before sign-off (what an organizer edits on a proposal)."""
    Grant.objects.filter(pk=grant.pk).update(start_date=start, currency=currency, monthly_stipend=Decimal("2500"))
    grant.refresh_from_db()


def _details(grantee: User, confirmer: User, **values) -> None:
    """The grantee enters their bank details on their grant page; a second person confirms them."""
    payouts.set_details(grantee, by=grantee, holder=grantee.display_name, **values)
    payouts.confirm_details(grantee.payout_details, by=confirmer)


def _completed(grant: Grant, payer: User, organizer: User) -> None:
    for checkin in grant.checkins.order_by("number"):
        checkins.submit_checkin(
            checkin, by=grant.grantee, studied="Sutton & Barto chapters; DQN on CartPole.", papers="DQN", plans="PPO"
        )
    for installment in grant.installments.order_by("number"):  # paid month by month through Wise
        mark_due(installment.due_on)
        batch, _, _ = batches.create_batch(by=payer, currency="USD", note="Demo: Wise run")
        made = export_file(batch, "wise", by=payer)
        booked = installment.due_on + timedelta(days=1)
        import_statement(
            bank.wise_statement(bank.wise_executed(file_bytes(made), booked)), filename=f"wise-{booked}.csv", by=payer
        )
    complete_finished(timezone.localdate())
    outcomes.record_outcome(
        grant, kind="ai_safety_job", by=organizer, organisation="Safety Lab", note="Research engineer from next month."
    )


def _active(grant: Grant, payer: User) -> None:
    """The first stipend paid by SEPA and matched from the bank's statement (with a bank fee nobody
    matched), then returned by the bank; the grantee's new details wait for a second person."""
    first = grant.installments.get(number=1)
    mark_due(first.due_on)
    batch, _, _ = batches.create_batch(by=payer, currency="EUR", installments=[first], note="Demo: first stipend")
    made = export_file(batch, "sepa", by=payer)
    booked = first.due_on + timedelta(days=1)
    fee = bank.BankEntry(Decimal("1.50"), "EUR", booked_on=booked, remittance="Account fee", bank_reference="FEE-0001")
    statement = bank.executed(file_bytes(made), booked) + [fee]
    import_statement(bank.camt053(statement, statement_id=f"STMT-{booked}"), filename=f"camt053-{booked}.xml", by=payer)
    returned = bank.BankEntry(
        Decimal(first.amount), "EUR", debit=False, booked_on=booked + timedelta(days=3), end_to_end_id=statement[0].end_to_end_id,
        bank_reference="RET-0001", return_code="AC04", return_info="Account closed",
    )  # fmt: skip
    import_statement(
        bank.camt053([returned], version="02", statement_id="STMT-RETURN"), filename="camt053-return.xml", by=payer
    )
    payouts.set_details(
        grant.grantee,
        by=grant.grantee,
        method="iban",
        holder=grant.grantee.display_name,
        iban="FR1420041010050500013M02606",
    )


def _direct(organizer: User, payer: User, today) -> None:
    for email, name, iban, stipend in DIRECT:
        grant = propose_direct_grant(
            email=email, full_name=name, by=organizer, monthly_stipend=Decimal(stipend), currency="EUR", months=3,
            start_date=today - timedelta(days=40), study_plan="Deep RL replications (DQN, PPO), then a safety project.",
        )  # fmt: skip
        approve_grant(grant, by=organizer, note="Strong references; a concrete replication plan.")
        _details(grant.grantee, payer, method="iban", iban=iban)
        payouts.add_tax_form(grant.grantee, by=grant.grantee, year=today.year, kind="W-8BEN", upload=_tax_form(name))
        checkin = grant.checkins.get(number=1)
        checkins.submit_checkin(
            checkin, by=grant.grantee, studied="Spinning Up; DQN on Atari Pong.", papers="DQN", plans="PPO"
        )


def _tax_form(name: str) -> ContentFile:
    return ContentFile(
        render_pdf(f"<h1>Form W-8BEN</h1><p>{name}</p><p>Certificate of foreign status.</p>"), name="w8ben.pdf"
    )
