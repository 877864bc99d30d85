import pytest
from django.core.management import CommandError, call_command

from program.models import User


@pytest.mark.django_db
def test_grant_role_command_creates_person_and_grants(capsys):
    call_command("grant_role", "New.Person@example.org", "Reviewer", "--create")

    assert User.objects.get(email="new.person@example.org").roles == frozenset({"reviewer"})
    assert capsys.readouterr().out == "Reviewer granted to new.person@example.org\n"


@pytest.mark.django_db
def test_grant_role_command_refuses_unknown_role_with_the_valid_ones(organizer):
    with pytest.raises(CommandError) as excinfo:
        call_command("grant_role", organizer.email, "treasurer")

    assert str(excinfo.value).startswith("Unknown role 'treasurer'. Valid roles: organizer, coordinator,")


@pytest.mark.django_db
def test_grant_role_command_refuses_unknown_person():
    with pytest.raises(CommandError, match="No person with email 'ghost@example.org'"):
        call_command("grant_role", "ghost@example.org", "reviewer")
