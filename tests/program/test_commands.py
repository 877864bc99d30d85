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


def test_profile_sets_name_and_time_zone_and_refuses_unknown_zones(client, applicant):
    from django.urls import reverse

    client.force_login(applicant)

    bad = client.post(reverse("program:profile"), {"full_name": "Bob A.", "timezone": "Mars/Olympus"})
    good = client.post(reverse("program:profile"), {"full_name": "Bob A.", "timezone": "Asia/Tokyo"})

    applicant.refresh_from_db()
    assert bad.status_code == 200 and good.status_code == 302
    assert (applicant.full_name, applicant.timezone) == ("Bob A.", "Asia/Tokyo")
