import pytest
from django.contrib.auth.models import Permission

from program.models import Role
from tests.conftest import activate_totp, make_person


@pytest.fixture
def payer(db):
    """An organizer with the payments permission (and TOTP, as organizers must have)."""
    user = make_person("paula.payments@example.org", Role.ORGANIZER, full_name="Paula Payments")
    activate_totp(user)
    user.user_permissions.add(Permission.objects.get(codename="make_payments"))
    return user
