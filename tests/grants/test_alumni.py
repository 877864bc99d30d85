"""Alumni: who counts, their history, the hiring flag, organizer-only notes, the person's own page."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from grants.alumni import table as alumni
from grants.models import AlumniNote, Grant, GrantOutcome, GrantState
from program.models import Enrollment, Role
from program.services import enroll, generate_program_days
from tests.conftest import make_person
from tests.factories import CohortFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(organizer):
    past = CohortFactory(name="MLAB1", slug="mlab1", starts_on=date(2025, 1, 6), ends_on=date(2025, 1, 24))
    generate_program_days(past)
    grad = make_person("grad@example.org", full_name="Gina Graduate")
    quitter = make_person("quit@example.org", full_name="Quinn Quitter")
    current = make_person("now@example.org", full_name="Nia Now")
    enroll(past, grad, role=Role.PARTICIPANT)
    enroll(past, quitter, role=Role.PARTICIPANT)
    Enrollment.objects.filter(user=quitter).update(status=Enrollment.Status.WITHDRAWN)
    running = CohortFactory(name="MLAB5", slug="mlab5")
    enroll(running, current, role=Role.PARTICIPANT)
    grantee = UserFactory(full_name="Greta Grantee", email="greta@example.org")
    grant = Grant.objects.create(
        grantee=grantee,
        monthly_stipend=3000,
        months=3,
        start_date=timezone.localdate() - timedelta(days=120),
        state=GrantState.COMPLETED,
    )
    GrantOutcome.objects.create(grant=grant, kind="ai_safety_job", organisation="Safety Lab", recorded_by=organizer)
    return {"grad": grad, "quitter": quitter, "current": current, "grantee": grantee}


def test_alumni_are_people_who_completed_a_cohort_or_a_grant(people):
    frame = alumni.table().set_index("email")

    assert set(frame.index) == {"grad@example.org", "greta@example.org"}
    assert frame.loc["grad@example.org", "cohorts"] == "MLAB1 (participant)"
    assert frame.loc["greta@example.org", "outcome"] == "AI-safety job at Safety Lab"  # a label, never the slug
    assert list(alumni.filtered(alumni.table(), kind="ai_safety")["email"]) == ["greta@example.org"]


def test_hiring_flag_notes_and_csv_for_organizers_only(client, organizer, people):
    grad = people["grad"]
    client.force_login(organizer)

    client.post(reverse("grants:alumni"), {"person": grad.pk, "of_interest": "1"})
    client.post(reverse("grants:alumnus", kwargs={"pk": grad.pk}), {"text": "Strong on RL; ask about the interp team"})
    listed = client.get(reverse("grants:alumni") + "?of_interest=1").content.decode()
    csv = client.get(reverse("grants:alumni") + "?format=csv").content.decode()

    assert "Gina Graduate" in listed and "Greta Grantee" not in listed
    assert AlumniNote.objects.get().author == organizer
    assert csv.splitlines()[0].startswith("name,email,cohorts,grants,outcome,tests_passed")
    assert "Strong on RL" not in csv  # notes never leave the organizers' page


def test_the_person_updates_their_role_and_opts_out_and_never_sees_notes(client, organizer, people):
    grad = people["grad"]
    alumni.add_note(grad, "Private: salary expectations high", by=organizer)
    client.force_login(grad)

    page = client.get(reverse("grants:my-alumni")).content.decode()
    client.post(reverse("grants:my-alumni"), {"current_role": "Research engineer", "current_organisation": "Lab X"})

    frame = alumni.table().set_index("email")
    assert "Private" not in page and "MLAB1" in page
    assert frame.loc["grad@example.org", "current_role"] == "Research engineer"
    assert not frame.loc["grad@example.org", "contact_ok"]  # the unchecked box opts out
    assert list(alumni.filtered(alumni.table(), contact_ok=True)["email"]) == ["greta@example.org"]
    assert client.get(reverse("grants:alumni")).status_code == 403
    assert client.get(reverse("grants:alumnus", kwargs={"pk": grad.pk})).status_code == 403


def test_someone_still_in_a_cohort_has_no_alumni_page(client, people):
    client.force_login(people["current"])
    assert client.get(reverse("grants:my-alumni")).status_code == 403
