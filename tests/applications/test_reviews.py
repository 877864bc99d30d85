"""Reviewing end to end at the service and page level."""

import io
from datetime import timedelta

import pandas as pd
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from applications.decisions import decide_application
from applications.models import Application, ConflictOfInterest, Decision, OutboundMessage, Review, ReviewAssignment
from applications.outbox import release_drafts
from applications.review import reviews
from applications.services import transition_application
from program.models import Role
from tests.conftest import make_person
from tests.factories import ApplicationFactory, CallFactory


@pytest.fixture
def call(db):
    call = CallFactory(kind="participant", slug="mlab9", name="MLAB9 participants")
    reviews.apply_rubric(call)
    return call


def _submitted(call, n, **kw):
    apps = []
    for _ in range(n):
        app = ApplicationFactory(call=call, **kw)
        transition_application(app, to="submitted", by=None)
        apps.append(app)
    return apps


@pytest.fixture
def panel(db):
    return [make_person(f"rev{i}@example.org", Role.REVIEWER, full_name=f"Reviewer {i}") for i in range(4)]


def _score(application, reviewer, values, submit=True, recommendation="yes"):
    keys = [c.key for c in application.call.criteria.all()]
    return reviews.save_review(
        application,
        reviewer=reviewer,
        scores=dict(zip(keys, values)),
        comment="ok",
        recommendation=recommendation,
        submit=submit,
    )


def test_assign_gives_k_reviewers_balanced_without_self_review_and_one_digest_each(
    call, panel, organizer, django_capture_on_commit_callbacks
):
    apps = _submitted(call, 5)
    apps.append(_submitted(call, 1, applicant=panel[0])[0])  # a reviewer who also applied
    ConflictOfInterest.objects.create(application=apps[1], reviewer=panel[1])

    with django_capture_on_commit_callbacks(execute=True):
        result = reviews.assign_reviewers(call, k=2, by=organizer, reviewers=panel)

    pairs = set(ReviewAssignment.objects.values_list("application_id", "reviewer_id"))
    assert len(pairs) == 12 and result.shortfall == {}
    assert (apps[5].pk, panel[0].pk) not in pairs and (apps[1].pk, panel[1].pk) not in pairs
    per_reviewer = [sum(1 for _, r in pairs if r == p.pk) for p in panel]
    assert max(per_reviewer) - min(per_reviewer) <= 1
    assert set(Application.objects.values_list("state", flat=True)) == {"in_review"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in panel)
    assert all("new application" in m.subject for m in mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        reviews.assign_reviewers(call, k=2, by=organizer, reviewers=panel)
    assert ReviewAssignment.objects.count() == 12 and len(mail.outbox) == 4  # nothing new, no new digest


def test_weighted_total_and_submit_rules(call, panel):
    (app,) = _submitted(call, 1)
    ReviewAssignment.objects.create(application=app, reviewer=panel[0])

    draft = _score(app, panel[0], [5, 3], submit=False)
    with pytest.raises(reviews.ReviewError, match="Score every criterion"):
        _score(app, panel[0], [5, 3])
    done = _score(app, panel[0], [5, 3, 4, 2])
    with pytest.raises(reviews.ReviewError, match="1 to 5"):
        _score(app, panel[0], [6, 3, 4, 2])
    with pytest.raises(reviews.ReviewError, match="not assigned"):
        _score(app, panel[1], [5, 3, 4, 2])

    # weights 2, 1.5, 1.5, 1 → (10 + 4.5 + 6 + 2) / 6 = 3.75
    assert (draft.weighted_total, draft.submitted_at) == (None, None)
    assert done.weighted_total == pytest.approx(3.75) and done.submitted_at is not None


def test_reviewer_sees_others_only_after_submitting(client, call, panel):
    (app,) = _submitted(call, 1)
    for r in panel[:2]:
        ReviewAssignment.objects.create(application=app, reviewer=r)
    _score(app, panel[1], [1, 1, 1, 1], recommendation="strong_no")
    client.force_login(panel[0])
    url = reverse("applications:review", kwargs={"pk": app.pk})

    before = client.get(url)
    _score(app, panel[0], [4, 4, 4, 4])
    after = client.get(url)

    assert before.context["others"] == [] and b"Other reviews" not in before.content
    assert [r.reviewer for r in after.context["others"]] == [panel[1]] and b"Reviewer 1</strong>: 1.00" in after.content


def test_review_form_posts_scores(client, call, panel):
    (app,) = _submitted(call, 1)
    ReviewAssignment.objects.create(application=app, reviewer=panel[0])
    client.force_login(panel[0])

    response = client.post(
        reverse("applications:review", kwargs={"pk": app.pk}),
        {
            "score_programming": "4",
            "score_math": "3",
            "score_alignment": "5",
            "score_attendance": "5",
            "recommendation": "yes",
            "comment": "Good",
            "submit": "1",
        },
    )

    review = Review.objects.get()
    assert response.status_code == 302
    assert review.scores == {"programming": 4, "math": 3, "alignment": 5, "attendance": 5} and review.submitted_at


def test_conflict_removes_assignment_and_access_and_tells_organizers(
    client, call, panel, organizer, django_capture_on_commit_callbacks
):
    (app,) = _submitted(call, 1)
    ReviewAssignment.objects.create(application=app, reviewer=panel[0])
    _score(app, panel[0], [3, 3], submit=False)
    client.force_login(panel[0])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applications:conflict", kwargs={"pk": app.pk}), {"reason": "My former student"})

    assert not ReviewAssignment.objects.exists() and not Review.objects.exists()
    assert ConflictOfInterest.objects.get().reason == "My former student"
    assert client.get(reverse("applications:detail", kwargs={"pk": app.pk})).status_code == 403
    assert [m.to for m in mail.outbox] == [[organizer.email]] and "My former student" in mail.outbox[0].body


def test_overdue_reviews_get_one_reminder(call, panel, django_capture_on_commit_callbacks):
    apps = _submitted(call, 2)
    ReviewAssignment.objects.create(application=apps[0], reviewer=panel[0], due_at=timezone.now() - timedelta(days=1))
    ReviewAssignment.objects.create(application=apps[1], reviewer=panel[0], due_at=timezone.now() - timedelta(days=1))
    _score(apps[1], panel[0], [3, 3, 3, 3])  # already done: no reminder

    with django_capture_on_commit_callbacks(execute=True):
        first, second = reviews.remind_overdue(), reviews.remind_overdue()

    assert (first, second) == (1, 0)
    assert [m.subject for m in mail.outbox] == [f"Reminder: review of #{apps[0].pk} is overdue"]


@pytest.mark.parametrize("count", [1, 3])
def test_queue_query_count_is_flat(client, call, panel, organizer, count, django_assert_num_queries):
    for app in _submitted(call, count):
        for r in panel[:2]:
            ReviewAssignment.objects.create(application=app, reviewer=r)
            _score(app, r, [3, 4, 3, 4])
    client.force_login(organizer)
    url = reverse("applications:queue", kwargs={"slug": call.slug})

    # The first view after reviews came refreshes the stored scores: a fixed number of queries too
    # (version; reviews; assignments; applications; one bulk update; version caught up).
    with django_assert_num_queries(17):
        client.get(url, {"reviewer": panel[0].pk})
    # Then: session, user, roles, TOTP; call; version; count; the page's rows and their background; reviewers.
    with django_assert_num_queries(10):
        response = client.get(url, {"reviewer": panel[0].pk})

    assert len(response.context["rows"]) == count


def test_queue_sorts_by_calibrated_score_filters_and_exports_safely(client, call, panel, organizer):
    high, low, odd = _submitted(call, 3)
    odd.applicant.full_name = '=HYPERLINK("http://evil")'
    odd.applicant.save()
    for app, scores in [
        (high, [(5, 5, 5, 5), (4, 4, 4, 4)]),
        (low, [(2, 2, 2, 2), (1, 1, 1, 1)]),
        (odd, [(5, 5, 5, 5), (1, 1, 1, 1)]),
    ]:
        for reviewer, values in zip(panel[:2], scores):
            ReviewAssignment.objects.create(application=app, reviewer=reviewer)
            _score(app, reviewer, values)
    client.force_login(organizer)
    url = reverse("applications:queue", kwargs={"slug": call.slug})

    ranked = client.get(url)
    disagree = client.get(url, {"disagreement": "1"})
    csv = client.get(reverse("applications:queue-export", kwargs={"slug": call.slug, "fmt": "csv"}))
    xlsx = client.get(reverse("applications:queue-export", kwargs={"slug": call.slug, "fmt": "xlsx"}))

    assert [row["pk"] for row in ranked.context["rows"]] == [high.pk, odd.pk, low.pk]
    assert [row["pk"] for row in disagree.context["rows"]] == [odd.pk]
    assert b"=HYPERLINK(&quot;http://evil&quot;)" in ranked.content  # rows are built in Python, still escaped
    table = pd.read_csv(io.StringIO(csv.content.decode()))
    assert table.loc[table["Application"] == odd.pk, "Name"].item() == '\'=HYPERLINK("http://evil")'
    assert table["Link"].str.endswith(f"/applications/{high.pk}/").any()
    assert pd.read_excel(io.BytesIO(xlsx.content))["Application"].tolist() == table["Application"].tolist()


def test_bulk_reject_drafts_emails_that_go_out_once_released(
    client, call, organizer, django_capture_on_commit_callbacks
):
    apps = _submitted(call, 2)
    for app in apps:
        transition_application(app, to="in_review", by=organizer)
    client.force_login(organizer)

    client.post(
        reverse("applications:bulk", kwargs={"slug": call.slug}), {"action": "rejected", "ids": [a.pk for a in apps]}
    )
    drafts = list(OutboundMessage.objects.filter(state="draft"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applications:outbox"), {"all": "1"})
        release_drafts([d.pk for d in drafts])  # a second click, or a second organizer
    decide_application(Application.objects.get(pk=apps[0].pk), decision="rejected", by=organizer)  # again: no new row

    assert set(Application.objects.values_list("state", flat=True)) == {"rejected"}
    assert Decision.objects.count() == 2 and len(drafts) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.applicant.email for a in apps)
    assert set(OutboundMessage.objects.values_list("state", flat=True)) == {"sent"}


def test_bulk_action_with_a_bad_note_says_what_is_wrong_and_changes_nothing(client, call, organizer):
    apps = _submitted(call, 1)
    client.force_login(organizer)

    response = client.post(
        reverse("applications:bulk", kwargs={"slug": call.slug}),
        {"action": "rejected", "ids": [apps[0].pk], "note": "x" * 2001},
        follow=True,
    )

    text = [str(m) for m in response.context["messages"]]
    assert text == ["Nothing was changed. Note: Ensure this value has at most 2000 characters (it has 2001)."]
    assert Application.objects.get(pk=apps[0].pk).state == apps[0].state


def test_bulk_action_without_a_choice_names_both_missing_things(client, call, organizer):
    client.force_login(organizer)

    response = client.post(reverse("applications:bulk", kwargs={"slug": call.slug}), {}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Nothing was changed. Action: Choose an action. Applications: Tick at least one application."
    ]


def test_an_organizer_edits_a_draft_before_it_goes_out_and_the_edit_is_kept(
    client, call, organizer, django_capture_on_commit_callbacks
):
    app = _submitted(call, 1)[0]
    transition_application(app, to="in_review", by=organizer)
    decide_application(app, decision="rejected", by=organizer)
    draft = OutboundMessage.objects.get(state="draft")
    key, message_id = draft.idempotency_key, draft.message_id
    client.force_login(organizer)

    client.post(
        reverse("applications:outbox-edit", kwargs={"pk": draft.pk}),
        {"subject": "About your application", "body": "Dear applicant,\nthank you; this time we cannot offer a place."},
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applications:outbox"), {"ids": [draft.pk]})
    late = client.post(
        reverse("applications:outbox-edit", kwargs={"pk": draft.pk}), {"subject": "x", "body": "y"}, follow=True
    )

    draft.refresh_from_db()
    assert (draft.subject, draft.edited_by, draft.idempotency_key, draft.message_id) == (
        "About your application",
        organizer,
        key,
        message_id,
    )
    sent = mail.outbox[-1]
    assert (sent.subject, sent.body) == (
        "About your application",
        "Dear applicant,\nthank you; this time we cannot offer a place.",
    )
    assert "no longer a draft" in late.content.decode()


def test_the_stored_calibrated_table_follows_every_review_and_assignment(client, call, panel, organizer):
    from applications.review import stored  # noqa: PLC0415
    from applications.review.scoring import calibrated_scores  # noqa: PLC0415

    apps = _submitted(call, 3)
    for app, values in zip(apps, [(5, 5, 5, 5), (3, 3, 3, 3), (1, 2, 1, 2)], strict=True):
        ReviewAssignment.objects.create(application=app, reviewer=panel[0])
        _score(app, panel[0], values)
    stored.ensure_fresh(call)
    ReviewAssignment.objects.create(application=apps[2], reviewer=panel[1])
    _score(apps[2], panel[1], [5, 5, 5, 5])  # a new review: the next view must see it
    ReviewAssignment.objects.create(application=apps[1], reviewer=panel[2])
    client.force_login(organizer)

    page = client.get(reverse("applications:queue", kwargs={"slug": call.slug}))

    expected = calibrated_scores(
        {"application": r.application_id, "reviewer": r.reviewer_id, "total": r.weighted_total}
        for r in Review.objects.filter(application__call=call, submitted_at__isnull=False)
    )
    for app in Application.objects.filter(call=call):
        row = expected.loc[app.pk]
        assert app.score_n == row["n_reviews"] and app.score_calibrated == pytest.approx(row["calibrated"])
        assert app.score_raw == pytest.approx(row["raw_mean"]) and app.score_disagreement == row["disagreement"]
    assert Application.objects.get(pk=apps[1].pk).reviewers_assigned == 2
    assert [r["pk"] for r in page.context["rows"]] == list(
        Application.objects.filter(call=call).order_by("-score_calibrated", "pk").values_list("pk", flat=True)
    )
    assert stored.ensure_fresh(call) == 0  # nothing changed since the view
