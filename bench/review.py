"""Review queue at 2,000 and 20,000 applications × 3 reviews (stored calibrated table: the steady view and
the first view after a new review, which refreshes it), analytics at 2,000; interview matching for 2,000
applicants."""

from __future__ import annotations

import random
import time
from decimal import Decimal

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from applications.models import Answer, Application, Call, Question, Review, ReviewAssignment
from applications.questionnaires.templates import apply_template
from applications.review import stored
from applications.review.reviews import apply_rubric
from program.models import Role, RoleAssignment, User
from program.scheduling import solve
from program.scheduling.generate import interview_instance

from .harness import Row, measure

APPLICATIONS, REVIEWS_EACH, REVIEWERS = 2000, 3, 30


def _build(applications: int) -> Call:
    call_command("flush", "--no-input", verbosity=0)
    call_command("seed_demo", "--quiet")
    rng = random.Random(5)
    call = Call.objects.get(slug="mlab3-participants")
    apply_template(call)
    apply_rubric(call)
    background = Question.objects.get(questionnaire__call=call, key="background")
    reviewers = User.objects.bulk_create(
        User(email=f"benchrev{i}@bench.example", full_name=f"Bench Reviewer {i}") for i in range(REVIEWERS)
    )
    RoleAssignment.objects.bulk_create(RoleAssignment(user=u, role=Role.REVIEWER) for u in reviewers)
    people = User.objects.bulk_create(
        User(email=f"benchapp{i}@bench.example", full_name=f"Bench Applicant {i}") for i in range(applications)
    )
    apps = Application.objects.bulk_create(
        Application(call=call, applicant=p, state="in_review", reply_token=f"b{i:015d}") for i, p in enumerate(people)
    )
    Answer.objects.bulk_create(
        Answer(application=a, question=background, value=rng.choice(["Student", "Professional"])) for a in apps
    )
    keys = list(call.criteria.values_list("key", flat=True))
    assignments, reviews = [], []
    now = timezone.now()
    bias = {r.pk: rng.uniform(-1, 1) for r in reviewers}
    for app in apps:
        quality = rng.uniform(1.5, 4.5)
        for reviewer in rng.sample(reviewers, REVIEWS_EACH):
            total = min(5, max(1, quality + bias[reviewer.pk] + rng.gauss(0, 0.4)))
            assignments.append(ReviewAssignment(application=app, reviewer=reviewer))
            reviews.append(
                Review(
                    application=app,
                    reviewer=reviewer,
                    scores=dict.fromkeys(keys, round(total)),
                    weighted_total=Decimal(f"{total:.2f}"),
                    recommendation="yes",
                    submitted_at=now,
                )
            )
    ReviewAssignment.objects.bulk_create(assignments, batch_size=2000)
    Review.objects.bulk_create(reviews, batch_size=2000)
    stored.bump(call.pk)  # bulk_create sends no signal
    return call


def _queue_rows(applications: int, *, analytics: bool) -> list[Row]:
    call = _build(applications)
    client = Client()
    client.force_login(User.objects.get(email="organizer@runway.test"))
    size = f"{applications} apps × {REVIEWS_EACH} reviews"
    pages = [("review queue (250 rows/page)", f"/applications/calls/{call.slug}/queue/")]
    if analytics:
        pages.append(("analytics page", f"/applications/calls/{call.slug}/analytics/"))
    rows = []
    for name, url in pages:

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        median_ms, queries, cpu_ms = measure(get, repeat=11)
        rows.append(Row(name, size, median_ms, queries, {"CPU ms": f"{cpu_ms:.1f}"}))

    def after_a_review():
        stored.bump(call.pk)  # what a review saved meanwhile does
        client.get(pages[0][1])

    median_ms, queries, cpu_ms = measure(after_a_review, repeat=5, warmup=1)
    rows.append(
        Row("review queue, first view after a review (refresh)", size, median_ms, queries, {"CPU ms": f"{cpu_ms:.1f}"})
    )
    return rows


def run() -> list[Row]:
    rows = _queue_rows(APPLICATIONS, analytics=True) + _queue_rows(20_000, analytics=False)
    instance = interview_instance(2000, seed=1)
    started = time.perf_counter()
    schedule = solve(instance)
    elapsed = (time.perf_counter() - started) * 1000
    meta = schedule["meta"]
    rows.append(
        Row(
            "interview matching (max flow)",
            "2000 applicants",
            elapsed,
            "",
            {"scheduled": f"{meta['scheduled']}/{meta['max_schedulable']} (optimum)"},
        )
    )
    return rows
