"""The review queue's calibrated table, kept on the applications so the queue sorts and pages in SQL.

A review saved or deleted, or an assignment made or removed, bumps the call's `scores_version` (signals
below; bulk assignment bumps it itself). The next view of the queue (or export, or analytics) finds
`scores_fresh_version` behind and refreshes: the call's submitted reviews are read once (totals cast
to float in SQL), calibrated with pandas (`scoring.calibrated_scores`), and only the applications
whose numbers changed are written back (`bulk_update`). Views between changes read the stored columns
only. A change during a refresh bumps the version again, so the next view refreshes once more.
"""

from __future__ import annotations

import math

from django.db import transaction
from django.db.models import Count, F, FloatField
from django.db.models.functions import Cast
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from applications.models import Application, Call, Review, ReviewAssignment
from applications.review.scoring import calibrated_scores

FIELDS = ["score_n", "score_raw", "score_calibrated", "score_spread", "score_disagreement", "reviewers_assigned"]


def bump(call_id: int) -> None:
    Call.objects.filter(pk=call_id).update(scores_version=F("scores_version") + 1)


def ensure_fresh(call: Call) -> int:
    """Refresh the stored table when a change came since the last refresh; returns rows written."""
    version, fresh = Call.objects.filter(pk=call.pk).values_list("scores_version", "scores_fresh_version").get()
    if version == fresh:
        return 0
    written = refresh(call)
    Call.objects.filter(pk=call.pk, scores_fresh_version__lt=version).update(scores_fresh_version=version)
    return written


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    return a == b


def refresh(call: Call) -> int:
    totals = (
        Review.objects.filter(application__call=call, submitted_at__isnull=False, weighted_total__isnull=False)
        .annotate(total=Cast("weighted_total", FloatField()))
        .values_list("application_id", "reviewer_id", "total")
    )
    scores = calibrated_scores({"application": a, "reviewer": r, "total": t} for a, r, t in totals)
    by_app = {pk: row for pk, row in zip(scores.index, scores.itertuples(index=False), strict=True)}
    assigned = dict(
        ReviewAssignment.objects.filter(application__call=call).order_by().values_list("application_id")
        .annotate(n=Count("pk"))
    )  # fmt: skip
    changed = []
    for pk, *old in Application.objects.filter(call=call).values_list("pk", *FIELDS).iterator(chunk_size=5000):
        row = by_app.get(pk)
        new = (
            int(row.n_reviews) if row is not None else 0,
            float(row.raw_mean) if row is not None else None,
            float(row.calibrated) if row is not None else None,
            float(row.spread) if row is not None else None,
            bool(row.disagreement) if row is not None else False,
            assigned.get(pk, 0),
        )
        if not all(_same(a, b) for a, b in zip(old, new, strict=True)):
            changed.append(Application(pk=pk, **dict(zip(FIELDS, new, strict=True))))
    with transaction.atomic():
        Application.objects.bulk_update(changed, FIELDS, batch_size=1000)
    return len(changed)


@receiver([post_save, post_delete], sender=Review, dispatch_uid="review_scores_review")
@receiver([post_save, post_delete], sender=ReviewAssignment, dispatch_uid="review_scores_assignment")
def _changed(sender, instance, **kwargs) -> None:
    Call.objects.filter(applications=instance.application_id).update(scores_version=F("scores_version") + 1)
