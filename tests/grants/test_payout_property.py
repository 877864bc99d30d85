"""Property: after any mix of exports, statement imports (some twice, some overlapping, some with a wrong
amount), returns and cancellations, the ledgers reconcile with the payments table to the cent, every
installment attempt is paid at most once, and importing every statement again writes nothing."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from demo import bank
from grants.models import Grant, Installment, Payment, StatementEntry
from grants.payments import batches, exporting
from grants.payments.installments import mark_due
from grants.payments.ledger import grant_ledger, program_ledger
from grants.payments.reconcile import import_statement
from grants.services import approve_grant, cancel_grant, propose_grant
from program.models import Role, User
from tests.conftest import make_person
from tests.factories import UserFactory, bank_details

BOOKED = date(2026, 3, 5)


class PayoutsReconcile(TestCase):
    @given(
        grants=st.lists(st.tuples(st.integers(100, 4000), st.integers(1, 3), st.booleans()), min_size=1, max_size=4),
        booked=st.lists(st.integers(0, 3), max_size=8),
        returned=st.lists(st.integers(0, 7), max_size=3),
        wrong_amount=st.booleans(),
        twice=st.booleans(),
    )
    @hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_ledgers_reconcile_after_random_imports_returns_and_cancellations(
        self, grants, booked, returned, wrong_amount, twice
    ):
        n = User.objects.count()
        approver = make_person(f"approver{n}@example.org", Role.ORGANIZER)
        made = []
        for monthly, months, cancel in grants:
            grantee = UserFactory()
            bank_details(grantee)
            grant = propose_grant(
                grantee, monthly_stipend=Decimal(monthly), start_date=date(2026, 1, 10), months=months, currency="EUR"
            )
            approve_grant(grant, by=approver)
            grant.checkins.update(submitted_at="2026-01-01T00:00Z")
            made.append((grant, cancel))
        mark_due(date(2026, 3, 1))
        batch, _, _ = batches.create_batch(by=None, currency="EUR")
        debits = (
            bank.executed(exporting.file_bytes(exporting.export_file(batch, "sepa", by=None)), BOOKED) if batch else []
        )
        statements = []
        if debits:
            chosen = [debits[k % len(debits)] for k in booked]
            if wrong_amount and chosen:
                chosen[0] = bank.BankEntry(
                    chosen[0].amount + 1, "EUR", booked_on=BOOKED, end_to_end_id=chosen[0].end_to_end_id
                )
            statements.append(bank.camt053(chosen, statement_id="ONE"))
            if twice:
                statements.append(bank.camt053(chosen[::-1], version="02", statement_id="TWO"))
            back = [debits[k % len(debits)] for k in returned]
            statements.append(bank.camt053(
                [bank.BankEntry(d.amount, "EUR", debit=False, booked_on=BOOKED + timedelta(days=2), end_to_end_id=d.end_to_end_id,
                                bank_reference=f"RET-{d.end_to_end_id}", return_code="AC04") for d in back],
                statement_id="RETURNS",
            ))  # fmt: skip
        for raw in statements:
            import_statement(raw)
        for grant, cancel in made:
            if cancel:
                cancel_grant(grant, by=approver, reason="ended")
        counts = (
            Payment.objects.count(),
            StatementEntry.objects.count(),
            Installment.objects.filter(state="paid").count(),
        )
        for raw in statements:
            import_statement(raw)

        assert (
            Payment.objects.count(),
            StatementEntry.objects.count(),
            Installment.objects.filter(state="paid").count(),
        ) == counts
        assert (
            not Payment.objects.filter(kind="paid")
            .values("installment", "attempt")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .exists()
        )
        net_paid = Payment.objects.aggregate(t=Sum("amount"))["t"] or Decimal("0")
        committed = Installment.objects.exclude(state="cancelled").aggregate(t=Sum("amount"))["t"] or Decimal("0")
        table = program_ledger()
        assert sum(table["paid"], Decimal("0")) == net_paid
        assert sum(table["outstanding"], Decimal("0")) == committed - net_paid
        for grant in Grant.objects.all():
            paid_here = Payment.objects.filter(installment__grant=grant).aggregate(t=Sum("amount"))["t"] or Decimal("0")
            assert grant_ledger(grant)["paid"] == paid_here
        for installment in Installment.objects.all():  # paid now ⇔ its current attempt has a paid row
            has_row = Payment.objects.filter(installment=installment, attempt=installment.attempt, kind="paid").exists()
            assert (installment.state == "paid") == has_row, installment
