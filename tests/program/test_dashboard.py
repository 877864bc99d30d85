from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Interview, InterviewSlot, ReviewAssignment
from applications.services import create_application, transition_application
from grants.services import propose_grant
from program.models import PairGroup, ProgramDay, Role
from program.services import enroll
from tests.conftest import make_person
from tests.factories import CallFactory, CohortFactory, UserFactory


def _grow(role: str, n: int, user, cohort) -> None:
    """Add n items of what the role's dashboard lists (applications, grants, cohorts, enrollments)."""
    call = CallFactory(cohort=cohort)
    ids = []
    for _ in range(n):
        person = UserFactory()
        application = create_application(call, user if role == Role.APPLICANT else person, source="email")
        for state in ["submitted", "in_review"] + (["interview"] if role == Role.INTERVIEWER else []):
            transition_application(application, to=state, by=None)
        if role == Role.REVIEWER:
            ReviewAssignment.objects.create(application=application, reviewer=user)
        if role == Role.INTERVIEWER:
            slot = InterviewSlot.objects.create(
                interviewer=user, starts_at=timezone.now() + timedelta(days=1, hours=len(ids))
            )
            ids.append(Interview.objects.create(application=application, slot=slot, interviewer=user).pk)
        propose_grant(user if role == Role.APPLICANT else person, monthly_stipend=1000, start_date=cohort.starts_on)
        other = CohortFactory()
        if role in (Role.TA, Role.PARTICIPANT):
            enroll(other, user, role=role)
            if role == Role.PARTICIPANT:  # today's pair in each cohort, so the pairs queries run
                day = ProgramDay.objects.create(cohort=other, date=timezone.localdate(), number=1)
                group = PairGroup.objects.create(day=day, workspace=f"w{other.pk}")
                group.members.set([user, person])
        enroll(cohort, person, role=Role.PARTICIPANT)


# Queries per dashboard, whatever the data size:
#   session, user, roles (3); + organizer TOTP check (1) for organizers; then per panel:
#   organizer: calls, counts per call/state, grant summary, recent grants, recent events, cohorts, today's days
#   coordinator: cohorts with counts, today's days
#   reviewer: assignments to do, their count, submitted count
#   interviewer: upcoming interviews, count of those to score
#   ta / participant: enrollments, days of the coming week, their pair groups, the groups' members
#   applicant: my applications, my grants
EXPECTED_QUERIES = {
    "organizer": 11,
    "coordinator": 6,  # the menu looks up the current cohort once (its daily pages are one click away)
    "reviewer": 6,
    "interviewer": 5,
    "ta": 7,  # no pair groups: the members prefetch does not run; +1: the menu's current cohort
    "participant": 7,
    "applicant": 5,
}


@pytest.mark.parametrize("role", list(EXPECTED_QUERIES))
@pytest.mark.parametrize("items", [1, 3])
def test_dashboard_query_count_does_not_grow_with_data(client, role, items, cohort, django_assert_num_queries, request):
    user = request.getfixturevalue(role)
    _grow(role, items, user, cohort)
    client.force_login(user)
    url = reverse("program:dashboard", kwargs={"role": role})

    with django_assert_num_queries(EXPECTED_QUERIES[role]):
        response = client.get(url)

    assert response.status_code == 200


def test_home_sends_each_person_to_their_first_role(client, db):
    person = make_person("both@example.org", Role.APPLICANT, Role.REVIEWER)
    client.force_login(person)

    response = client.get(reverse("program:home"))

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/reviewer/"


def test_navigation_shows_only_the_roles_held(client, db):
    person = make_person("both@example.org", Role.APPLICANT, Role.REVIEWER)
    client.force_login(person)

    response = client.get(reverse("program:dashboard", kwargs={"role": "reviewer"}))

    assert [item["label"] for item in response.context["nav_items"]] == ["Reviewer", "My reviews", "Applicant"]
    assert b'data-role="organizer"' not in response.content


def test_dashboard_for_unknown_role_says_which_roles_exist(client, reviewer):
    client.force_login(reviewer)

    response = client.get("/dashboard/wizard/")

    assert response.status_code == 404
    assert b"There is no &#x27;wizard&#x27; role" in response.content


def test_person_without_role_sees_a_welcome_page(client, nobody):
    client.force_login(nobody)

    response = client.get(reverse("program:home"))

    assert response.status_code == 200
    assert b"has no role yet" in response.content


def test_participant_dashboard_shows_today_and_the_cohort(client, participant, cohort):
    client.force_login(participant)

    response = client.get(reverse("program:dashboard", kwargs={"role": "participant"}))

    (enrollment,) = response.context["panels"][0][1]["enrollments"]
    assert enrollment.cohort == cohort
    assert b"MLAB3" in response.content


def test_organizer_dashboard_counts_applications_per_state(client, organizer):
    call = CallFactory(name="MLAB3 TAs")
    for _ in range(2):
        create_application(call, UserFactory(), source="web")
    transition_application(create_application(call, UserFactory(), source="web"), to="submitted", by=organizer)
    client.force_login(organizer)

    response = client.get(reverse("program:dashboard", kwargs={"role": "organizer"}))

    calls = dict((p.key, ctx) for p, ctx in response.context["panels"])["calls"]["calls"]
    assert [(c.name, c.state_counts[:3], c.total) for c in calls] == [("MLAB3 TAs", [2, 0, 1], 3)]


def test_refreshing_panel_returns_only_that_panel_for_htmx(client, organizer):
    create_application(CallFactory(name="Retraining grants"), UserFactory(full_name="Zed Newcomer"), source="email")
    client.force_login(organizer)

    page = client.get(reverse("program:dashboard", kwargs={"role": "organizer"}))
    fragment = client.get(
        reverse("program:dashboard-panel", kwargs={"role": "organizer", "key": "activity"}), HTTP_HX_REQUEST="true"
    )

    html = fragment.content.decode()
    assert b'hx-get="/dashboard/organizer/panels/activity/"' in page.content
    assert html.strip().startswith('<section class="panel"') and html.strip().endswith("</section>")
    assert "Zed Newcomer" in html
    assert "<html" not in html


def test_each_roles_menu_reaches_its_daily_pages_in_one_click(client, coordinator, ta, participant, cohort):
    def menu(user):
        client.force_login(user)
        page = client.get(reverse("program:dashboard", kwargs={"role": user.roles_in_order()[0]}))
        return {item["label"]: item["url"] for item in page.context["nav_items"]}

    slug = cohort.slug
    assert {
        k: v
        for k, v in menu(coordinator).items()
        if k in ("Week board", "Lectures", "Progress", "Who needs help", "Feedback")
    } == {
        "Week board": f"/cohorts/{slug}/pairs/",
        "Lectures": f"/cohorts/{slug}/lectures/plan/",
        "Progress": f"/cohorts/{slug}/progress/",
        "Who needs help": f"/cohorts/{slug}/help/",
        "Feedback": f"/cohorts/{slug}/feedback/",
    }
    assert {"Today", "Help queue", "Attendance", "Progress"} <= set(menu(ta))
    assert {"Today", "My progress", "Feedback"} <= set(menu(participant))
