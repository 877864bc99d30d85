"""Reviewing: rubrics, assigning reviewers, conflicts of interest, scoring, reminders."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from applications import outbox
from applications.models import (
    Application,
    ApplicationState,
    Call,
    CallKind,
    ConflictOfInterest,
    Criterion,
    Recommendation,
    Review,
    ReviewAssignment,
)
from applications.review import assignment, stored
from applications.services import transition_application
from program.absolute import site_url
from program.models import Role, User

REVIEWABLE_STATES = (ApplicationState.SUBMITTED, ApplicationState.IN_REVIEW)

RUBRICS: dict[str, list[tuple[str, str, str, float, list[str]]]] = {
    CallKind.PARTICIPANT: [
        (
            "programming",
            "Programming strength",
            "Can they implement an ML paper's core in a day, in a pair?",
            2,
            [
                "Beginner",
                "Has written small scripts",
                "Solid on projects",
                "Strong, fluent in Python",
                "Exceptional engineer",
            ],
        ),
        (
            "math",
            "Math readiness",
            "Linear algebra and vector calculus (Jacobians, eigenvectors).",
            1.5,
            ["No background", "Rusty", "Working knowledge", "Comfortable", "Fluent"],
        ),
        (
            "alignment",
            "Alignment motivation",
            "A considered reason to work on AI alignment.",
            1.5,
            ["None stated", "Generic", "Genuine interest", "Thoughtful and specific", "Already contributing"],
        ),
        (
            "attendance",
            "Ability to attend",
            "Can attend every program day in person.",
            1,
            ["Cannot", "Mostly not", "Some days missing", "Almost every day", "Every day"],
        ),
    ],
    CallKind.TA: [
        (
            "curriculum",
            "Curriculum knowledge",
            "Knows the exercises or has time to learn them.",
            2,
            ["Unfamiliar", "Some", "Could learn in time", "Knows most", "Knows all, has taught"],
        ),
        (
            "teaching",
            "Helping others",
            "Explains clearly, patient with pairs who are stuck.",
            1.5,
            ["No evidence", "Little", "Some", "Good", "Excellent"],
        ),
        (
            "availability",
            "Availability",
            "Days available against days needed.",
            1,
            ["Almost none", "Few days", "Half", "Most", "All days"],
        ),
    ],
    CallKind.GRANT: [
        (
            "plan",
            "Study plan",
            "Concrete three-month plan: papers to replicate, textbooks, milestones.",
            2,
            ["None", "Vague", "Reasonable", "Concrete and realistic", "Excellent, with milestones"],
        ),
        (
            "track_record",
            "Track record",
            "Evidence they finish hard technical work.",
            1.5,
            ["None", "Little", "Some", "Strong", "Outstanding"],
        ),
        (
            "fit",
            "Fit for AI-safety work",
            "Likelihood the grant leads to AI-safety work.",
            1.5,
            ["Unlikely", "Possible", "Plausible", "Likely", "Very likely"],
        ),
    ],
}


class ReviewError(Exception):
    pass


def apply_rubric(call: Call) -> list[Criterion]:
    """Give a call the default rubric for its kind (idempotent; existing criteria are kept)."""
    criteria = []
    for position, (key, name, description, weight, levels) in enumerate(RUBRICS[call.kind], start=1):
        criterion, _ = Criterion.objects.get_or_create(
            call=call,
            key=key,
            defaults={
                "position": position * 10,
                "name": name,
                "description": description,
                "weight": Decimal(str(weight)),
                "levels": levels,
            },
        )
        criteria.append(criterion)
    return criteria


def reviewers_for_call(call: Call) -> list[User]:
    return list(User.objects.filter(role_assignments__role=Role.REVIEWER, is_active=True).order_by("pk"))


def assign_reviewers(
    call: Call, *, k: int, by: User, reviewers: list[User] | None = None, due_in_days: int = 7, seed: int = 0
) -> assignment.Plan:
    """Give every reviewable application of the call k reviewers, balancing load; queue one digest
    email per reviewer with their new assignments. Applications move to `in_review`."""
    reviewers = reviewers if reviewers is not None else reviewers_for_call(call)
    apps = list(Application.objects.filter(call=call, state__in=REVIEWABLE_STATES).values_list("pk", "applicant_id"))
    app_ids = [a for a, _ in apps]
    existing: dict[int, set[int]] = {}
    for app_id, reviewer_id in ReviewAssignment.objects.filter(application_id__in=app_ids).values_list(
        "application_id", "reviewer_id"
    ):
        existing.setdefault(app_id, set()).add(reviewer_id)
    load: dict[int, int] = {}
    for reviewer_id in ReviewAssignment.objects.filter(application__call=call).values_list("reviewer_id", flat=True):
        load[reviewer_id] = load.get(reviewer_id, 0) + 1
    conflicts = set(
        ConflictOfInterest.objects.filter(application_id__in=app_ids).values_list("application_id", "reviewer_id")
    )
    result = assignment.plan(
        apps, [r.pk for r in reviewers], k, existing=existing, load=load, conflicts=conflicts, seed=seed
    )

    due = timezone.now() + timedelta(days=due_in_days)
    with transaction.atomic():
        ReviewAssignment.objects.bulk_create(
            [ReviewAssignment(application_id=a, reviewer_id=r, assigned_by=by, due_at=due) for a, r in result.pairs],
            ignore_conflicts=True,
        )
        stored.bump(call.pk)  # bulk_create sends no signal: the queue's stored scores are stale now
        for application in Application.objects.filter(
            pk__in={a for a, _ in result.pairs}, state=ApplicationState.SUBMITTED
        ):
            transition_application(application, to=ApplicationState.IN_REVIEW, by=by, note=f"{k} reviewers assigned")
        queue_digests(by=by)
    return result


def queue_digests(*, by: User | None = None) -> int:
    """One email per reviewer listing every assignment not yet announced (claimed by notified_at)."""
    now = timezone.now()
    pending = ReviewAssignment.objects.filter(notified_at__isnull=True).select_related(
        "application__applicant", "application__call", "reviewer"
    )
    by_reviewer: dict[int, list[ReviewAssignment]] = {}
    for item in pending:
        by_reviewer.setdefault(item.reviewer_id, []).append(item)
    for reviewer_id, items in by_reviewer.items():
        claimed = ReviewAssignment.objects.filter(pk__in=[i.pk for i in items], notified_at__isnull=True).update(
            notified_at=now
        )
        if not claimed:
            continue
        reviewer = items[0].reviewer
        outbox.queue_email(
            "review-digest",
            to=reviewer.email,
            context={"reviewer": reviewer, "assignments": items},
            idempotency_key=f"digest:{reviewer_id}:{min(i.pk for i in items)}:{max(i.pk for i in items)}",
        )
    return len(by_reviewer)


def declare_conflict(application: Application, *, reviewer: User, reason: str, by: User) -> ConflictOfInterest:
    """Record a conflict; the reviewer's assignment and draft review go, and the organizers are told."""
    with transaction.atomic():
        try:
            conflict = ConflictOfInterest.objects.create(
                application=application, reviewer=reviewer, reason=reason[:2000], declared_by=by
            )
        except IntegrityError:
            return ConflictOfInterest.objects.get(application=application, reviewer=reviewer)
        ReviewAssignment.objects.filter(application=application, reviewer=reviewer).delete()
        Review.objects.filter(application=application, reviewer=reviewer, submitted_at__isnull=True).delete()
        for organizer in User.objects.filter(role_assignments__role=Role.ORGANIZER, is_active=True):
            outbox.queue_email(
                "conflict-declared",
                to=organizer.email,
                context={"application": application, "reviewer": reviewer, "reason": reason, "organizer": organizer},
                idempotency_key=f"conflict:{conflict.pk}:{organizer.pk}",
                application=application,
            )
    return conflict


def weighted_total(criteria: list[Criterion], scores: dict[str, int]) -> Decimal | None:
    if not criteria or any(c.key not in scores for c in criteria):
        return None
    total_weight = sum(c.weight for c in criteria)
    value = sum(c.weight * Decimal(scores[c.key]) for c in criteria) / total_weight
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def save_review(
    application: Application, *, reviewer: User, scores: dict[str, int], comment: str, recommendation: str, submit: bool
) -> Review:
    """Store a draft or submit it. Only an assigned reviewer without a conflict may; a submitted
    review can still be edited by its author (it stays submitted)."""
    if not ReviewAssignment.objects.filter(application=application, reviewer=reviewer).exists():
        raise ReviewError("You are not assigned to review this application.")
    criteria = list(application.call.criteria.all())
    bad = {k: v for k, v in scores.items() if k not in {c.key for c in criteria} or not (1 <= int(v) <= 5)}
    if bad:
        raise ReviewError(f"Scores must be 1 to 5 for the rubric's criteria: {sorted(bad)}.")
    if submit and (len(scores) < len(criteria) or recommendation not in Recommendation.values):
        raise ReviewError("Score every criterion and give a recommendation before submitting.")
    now = timezone.now()
    review, _ = Review.objects.get_or_create(application=application, reviewer=reviewer)
    review.scores = {k: int(v) for k, v in scores.items()}
    review.weighted_total = weighted_total(criteria, review.scores)
    review.comment, review.recommendation, review.updated_at = comment, recommendation, now
    if submit and review.submitted_at is None:
        review.submitted_at = now
    review.save()
    return review


def remind_overdue(now=None) -> int:
    """One reminder per overdue assignment (claimed by reminded_at, so two workers never both send)."""
    now = now or timezone.now()
    overdue = ReviewAssignment.objects.filter(due_at__lt=now, reminded_at__isnull=True).select_related(
        "application__call", "reviewer"
    )
    sent = 0
    for item in overdue:
        if Review.objects.filter(
            application_id=item.application_id, reviewer_id=item.reviewer_id, submitted_at__isnull=False
        ).exists():
            continue
        if not ReviewAssignment.objects.filter(pk=item.pk, reminded_at__isnull=True).update(reminded_at=now):
            continue
        outbox.queue_email(
            "review-reminder",
            to=item.reviewer.email,
            context={"assignment": item, "reviewer": item.reviewer, "site_url": site_url()},
            idempotency_key=f"remind:{item.pk}",
            application=item.application,
        )
        sent += 1
    return sent
