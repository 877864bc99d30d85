"""One factory per model, with no surprises: sequence names, required relations as sub-factories.

State fields are arranged directly here (tests set up a situation); code under test changes them
only through the service functions.
"""

from datetime import date, timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from applications.models import Application, Call, CallKind
from grants.models import Grant
from program.models import Cohort, Enrollment, ProgramDay, Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("pw-for-tests")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    name = factory.Sequence(lambda n: f"Cohort {n}")
    slug = factory.Sequence(lambda n: f"cohort-{n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=timezone.localdate().weekday()))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=19))
    timezone = "Europe/London"


class ProgramDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramDay

    cohort = factory.SubFactory(CohortFactory)
    number = factory.Sequence(lambda n: n + 1)
    date = factory.LazyAttribute(lambda o: date(2026, 1, 5) + timedelta(days=o.number))


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.PARTICIPANT


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    name = factory.Sequence(lambda n: f"Call {n}")
    slug = factory.Sequence(lambda n: f"call-{n}")
    kind = CallKind.PARTICIPANT


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    call = factory.SubFactory(CallFactory)
    applicant = factory.SubFactory(UserFactory)


class GrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grant

    grantee = factory.SubFactory(UserFactory)
    monthly_stipend = Decimal("3000.00")
    start_date = date(2026, 1, 15)


def bank_details(
    grantee: User, *, iban: str = "DE89370400440532013000", holder: str = "", method: str = "iban", **more
):
    """Confirmed payout details (as if entered and then confirmed by a second person), sealed as the app
    seals them."""
    from grants.models import PayoutDetails
    from grants.payments import vault

    secret = {"holder": holder or grantee.full_name or "Account Holder", "iban": iban, **more}
    secret = {k: v for k, v in secret.items() if v}
    details, _ = PayoutDetails.objects.update_or_create(
        grantee=grantee,
        defaults={
            "method": method,
            "sealed": vault.seal(secret),
            "last4": (secret.get("iban") or secret.get("account_number") or secret.get("wise_email", ""))[-4:],
            "confirmed_at": timezone.now(),
        },
    )
    return details
