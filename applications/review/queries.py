"""The review queue: every application of a call with its scores, fetched once, filtered and sorted.

Five queries whatever the size (applications, submitted reviews, assignment counts, the background
answers, the reviewer filter), then pandas joins them in memory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd
from django.db.models import Count, TextField
from django.db.models.functions import Cast
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from applications.models import Answer, Application, ApplicationState, Call, Review, ReviewAssignment
from applications.review.scoring import calibrated_scores

SORTS = {
    "calibrated": ("calibrated", False),
    "raw": ("raw_mean", False),
    "disagreement": ("spread", False),
    "newest": ("pk", False),  # ids grow with arrival: no need to fetch and convert timestamps
    "oldest": ("pk", True),
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
        apps.values_list("pk", "state", "source", "applicant__full_name", "applicant__email"),
        columns=["pk", "state", "source", "name", "email"],
    )
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
    # Raw JSON text, decoded once per distinct value (a handful) instead of once per application.
    raw_background = (
        Answer.objects.filter(application__call=call, question__key="background")
        .annotate(text=Cast("value", TextField()))
        .values_list("application_id", "text")
    )
    decoded: dict[str, str] = {}
    background = {}
    for application_id, text in raw_background:
        if text not in decoded:
            value = json.loads(text) if text else ""
            decoded[text] = value if isinstance(value, str) else ""
        background[application_id] = decoded[text]
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
    if column == "pk":
        return frame.sort_values("pk", ascending=ascending, kind="stable")
    return frame.sort_values([column, "pk"], ascending=[ascending, True], na_position="last", kind="stable")


ROW_HTML = (
    '<tr{}><td><input type="checkbox" name="ids" value="{}" aria-label="Select #{}"></td><td><a href="/applications/{}/">{}</a></td>'
    '<td>{}</td><td><span class="badge {}">{}</span></td><td>{}</td><td>{}</td><td class="num">{}/{}</td><td class="num">{}</td>'
    '<td class="num"><strong>{}</strong></td><td class="num">{}{}</td></tr>'
)


def display_rows(frame: pd.DataFrame) -> list[dict]:
    """One page of the queue, each row rendered once here (escaped by format_html): at 250 rows the
    template engine's per-cell cost was most of the page's time."""

    def fmt(value):
        return "" if pd.isna(value) else f"{value:.2f}"

    state_label, source_label = dict(ApplicationState.choices), dict(Application.Source.choices)
    rows = []
    for r in frame.itertuples(index=False):
        disagree = bool(r.disagreement)
        html = format_html(
            ROW_HTML,
            mark_safe(' class="disagree"') if disagree else "",
            r.pk,
            r.pk,
            r.pk,
            r.pk,
            r.name,
            r.state,
            state_label.get(r.state, r.state),  # words, never the code
            r.background,
            source_label.get(r.source, r.source),
            r.n_reviews,
            r.assigned,
            fmt(r.raw_mean),
            fmt(r.calibrated),
            fmt(r.spread),
            mark_safe(' <span class="badge warning">disagree</span>') if disagree else "",
        )
        rows.append({"pk": r.pk, "calibrated": fmt(r.calibrated), "disagreement": disagree, "html": html})
    return rows


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


def export_frame(frame: pd.DataFrame, base_url: str) -> pd.DataFrame:
    out = frame.copy()
    out["link"] = base_url.rstrip("/") + "/applications/" + out["pk"].astype(str) + "/"
    out = out[[c for c, _ in EXPORT_COLUMNS]].rename(columns=dict(EXPORT_COLUMNS))
    return out.round({"Raw mean": 2, "Calibrated": 2, "Spread": 2})
