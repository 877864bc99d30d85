"""The review queue: every application of a call with its scores, fetched once, filtered and sorted.

Five queries whatever the size (applications, submitted reviews, assignment counts, the background
answers, the reviewer filter), then pandas joins them in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from django.db.models import Count

from .models import Answer, Application, Call, Review, ReviewAssignment
from .scoring import calibrated_scores

SORTS = {
    "calibrated": ("calibrated", False),
    "raw": ("raw_mean", False),
    "disagreement": ("spread", False),
    "newest": ("created_at", False),
    "oldest": ("created_at", True),
    "name": ("name", True),
}


@dataclass
class QueueFilters:
    state: str = ""
    reviewer: int | None = None
    background: str = ""
    source: str = ""
    disagreement: bool = False
    sort: str = "calibrated"
    extra: dict = field(default_factory=dict)


def review_queue(call: Call, filters: QueueFilters) -> pd.DataFrame:
    apps = Application.objects.filter(call=call)
    if filters.state:
        apps = apps.filter(state=filters.state)
    if filters.source:
        apps = apps.filter(source=filters.source)
    if filters.reviewer:
        apps = apps.filter(
            pk__in=ReviewAssignment.objects.filter(reviewer_id=filters.reviewer).values("application_id")
        )
    frame = pd.DataFrame.from_records(
        apps.values("pk", "state", "source", "created_at", "needs_resume", "applicant__full_name", "applicant__email"),
        columns=["pk", "state", "source", "created_at", "needs_resume", "applicant__full_name", "applicant__email"],
    ).rename(columns={"applicant__full_name": "name", "applicant__email": "email"})
    frame["name"] = frame["name"].where(frame["name"] != "", frame["email"])

    reviews = Review.objects.filter(application__call=call, submitted_at__isnull=False, weighted_total__isnull=False)
    scores = calibrated_scores(
        {"application": a, "reviewer": r, "total": t}
        for a, r, t in reviews.values_list("application_id", "reviewer_id", "weighted_total")
    )
    assigned = dict(
        ReviewAssignment.objects.filter(application__call=call)
        .order_by()
        .values_list("application_id")
        .annotate(n=Count("pk"))
    )
    background = dict(
        Answer.objects.filter(application__call=call, question__key="background").values_list("application_id", "value")
    )
    frame = frame.join(scores, on="pk")
    frame["n_reviews"] = frame["n_reviews"].fillna(0).astype(int)
    frame["disagreement"] = frame["disagreement"].fillna(False).astype(bool)
    frame["assigned"] = frame["pk"].map(assigned).fillna(0).astype(int)
    frame["background"] = [background.get(pk) or "" for pk in frame["pk"]]
    if filters.background:
        frame = frame[frame["background"].str.lower() == filters.background.lower()]
    if filters.disagreement:
        frame = frame[frame["disagreement"]]
    column, ascending = SORTS.get(filters.sort, SORTS["calibrated"])
    return frame.sort_values([column, "pk"], ascending=[ascending, True], na_position="last", kind="stable")


EXPORT_COLUMNS = [
    ("pk", "Application"),
    ("name", "Name"),
    ("email", "Email"),
    ("state", "State"),
    ("source", "Source"),
    ("background", "Background"),
    ("n_reviews", "Reviews"),
    ("raw_mean", "Raw mean"),
    ("calibrated", "Calibrated"),
    ("spread", "Spread"),
    ("disagreement", "Disagreement"),
    ("link", "Link"),
]


def neutralise(value):
    """Spreadsheet formula injection: a cell starting with = + - @ (or a tab/CR) is made plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_frame(frame: pd.DataFrame, base_url: str) -> pd.DataFrame:
    out = frame.copy()
    out["link"] = base_url.rstrip("/") + "/applications/" + out["pk"].astype(str) + "/"
    out = out[[c for c, _ in EXPORT_COLUMNS]].rename(columns=dict(EXPORT_COLUMNS))
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out.round({"Raw mean": 2, "Calibrated": 2, "Spread": 2})
