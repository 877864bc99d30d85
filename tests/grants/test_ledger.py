from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.db.models import Sum
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from grants.models import Grant, Installment, Payment
from grants.payments import batches as payments
from grants.payments.installments import mark_due
from grants.payments.ledger import grant_ledger, program_ledger
from grants.services import approve_grant, cancel_grant, propose_grant
from program.models import Role
from tests.conftest import make_person
from tests.factories import UserFactory, bank_details


class LedgerReconciles(TestCase):
    @given(
        grants=st.lists(
            st.tuples(
                st.integers(100, 5000),
                st.integers(1, 4),
                st.integers(0, 60),
                st.booleans(),
                st.integers(0, 6),
                st.integers(0, 2),
            ),
            min_size=1,
            max_size=6,
        )
    )
    @hsettings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_ledger_totals_equal_the_payments_table(self, grants):
        approver = make_person(
            f"a{Grant.objects.count()}-{UserFactory._meta.model.objects.count()}@example.org", Role.ORGANIZER
        )
        second = make_person(f"s{UserFactory._meta.model.objects.count()}@example.org", Role.ORGANIZER)
        payer = make_person(f"p{UserFactory._meta.model.objects.count()}@example.org", Role.ORGANIZER)
        payer.user_permissions.add(Permission.objects.get(codename="make_payments"))
        start = date(2026, 1, 1)
        for monthly, months, offset, cancel, pay_count, returns in grants:
            grantee = UserFactory()
            bank_details(grantee)
            grant = propose_grant(
                grantee,
                monthly_stipend=Decimal(monthly),
                start_date=start + timedelta(days=offset),
                months=months,
                currency="EUR",
            )
            approve_grant(grant, by=approver)
            if grant.state == "proposed":  # large grants need a second approver
                approve_grant(grant, by=second)
            mark_due(start + timedelta(days=offset + 31 * pay_count))
            made = [
                p
                for i in grant.installments.filter(state="due")[:pay_count]
                if (p := payments.pay_installment(i, by=payer, reference="R"))
            ]
            for payment in made[:returns]:
                payments.record_return(payment, by=payer, reason="returned")
            if cancel:
                cancel_grant(grant, by=approver, reason="ended")

        table = program_ledger()
        net_paid = Payment.objects.aggregate(t=Sum("amount"))["t"] or Decimal("0")
        committed = Installment.objects.exclude(state="cancelled").aggregate(t=Sum("amount"))["t"] or Decimal("0")

        assert sum(table["paid"], Decimal("0")) == net_paid
        assert sum(table["outstanding"], Decimal("0")) == committed - net_paid
        for grant in Grant.objects.all():
            ledger = grant_ledger(grant)
            assert ledger["paid"] == (
                Payment.objects.filter(installment__grant=grant).aggregate(t=Sum("amount"))["t"] or Decimal("0")
            )
            assert (
                ledger["scheduled"]
                + ledger["due"]
                + ledger["held"]
                + ledger["cancelled"]
                + sum(grant.installments.filter(state="paid").values_list("amount", flat=True), Decimal("0"))
                == grant.monthly_stipend * grant.months
            )
