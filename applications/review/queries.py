"""The review queue: the applications of a call with their stored calibrated scores, filtered, sorted
and cut to a page in SQL (`queue_rows`); the stored table is refreshed first when a review or an
assignment changed since (`stored.ensure_fresh`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape

import pandas as pd
from django.db.models import CharField, F, TextField, Value
from django.db.models.functions import Cast, Coalesce, Lower, NullIf
from django.utils.safestring import mark_safe

from applications.models import Answer, Application, ApplicationState, Call, ReviewAssignment
from applications.review import stored


@dataclass
class QueueFilters:
    state: str = ""
    reviewer: int | None = None
    background: str = ""
    source: str = ""
    disagreement: bool = False
    sort: str = "calibrated"
    extra: dict = field(default_factory=dict)


SORTS = {
    "calibrated": [F("score_calibrated").desc(nulls_last=True), "pk"],
    "raw": [F("score_raw").desc(nulls_last=True), "pk"],
    "disagreement": [F("score_spread").desc(nulls_last=True), "pk"],
    "newest": ["-pk"],
    "oldest": ["pk"],
    "name": [F("name").asc(), "pk"],  # annotated only for this order
}
COLUMNS = ["pk", "state", "source", "name", "email", "n_reviews", "raw_mean", "calibrated", "spread",
           "disagreement", "assigned", "background"]  # fmt: skip


def queue_rows(call: Call, filters: QueueFilters):
    """The queue as one SQL query over the stored calibrated table (applications.review.stored): filtered,
    sorted; slice it for a page, count it for the pager. Only what the order needs is computed per row."""
    stored.ensure_fresh(call)
    apps = Application.objects.filter(call=call)
    if filters.state:
        apps = apps.filter(state=filters.state)
    if filters.source:
        apps = apps.filter(source=filters.source)
    if filters.reviewer:
        apps = apps.filter(
            pk__in=ReviewAssignment.objects.filter(reviewer_id=filters.reviewer).values("application_id")
        )
    if filters.background:
        answers = Answer.objects.filter(application__call=call, question__key="background").annotate(
            text=Lower(Cast("value", TextField()))
        )
        apps = apps.filter(pk__in=answers.filter(text=json.dumps(filters.background.lower())).values("application_id"))
    if filters.disagreement:
        apps = apps.filter(score_disagreement=True)
    if filters.sort == "name":
        apps = apps.annotate(name=Coalesce(NullIf("applicant__full_name", Value("")), "applicant__email",
                                           output_field=CharField()))  # fmt: skip
    return apps.order_by(*SORTS.get(filters.sort, SORTS["calibrated"]))


VALUES = ["pk", "state", "source", "applicant__full_name", "applicant__email", "score_n", "score_raw",
          "score_calibrated", "score_spread", "score_disagreement", "reviewers_assigned"]  # fmt: skip


def as_records(rows, call: Call) -> list[tuple]:
    """The rows the page or the export shows, as tuples in `COLUMNS` order (the name falls back to the
    address; the background answers in one more query, for those rows only)."""
    values = list(rows.values_list(*VALUES))
    answers = Answer.objects.filter(application__call=call, question__key="background")
    if len(values) <= 1000:
        answers = answers.filter(application_id__in=[v[0] for v in values])
    raw = dict(answers.annotate(text=Cast("value", TextField())).values_list("application_id", "text"))
    decoded: dict[str, str] = {}  # raw JSON text, decoded once per distinct value (a handful)
    for text in set(raw.values()):
        value = json.loads(text) if text else ""
        decoded[text] = value if isinstance(value, str) else ""
    return [(pk, state, source, name or email, email, *scores, decoded.get(raw.get(pk), ""))
            for pk, state, source, name, email, *scores in values]  # fmt: skip


def as_frame(rows, call: Call) -> pd.DataFrame:
    return pd.DataFrame.from_records(as_records(rows, call), columns=COLUMNS)


def review_queue(call: Call, filters: QueueFilters) -> pd.DataFrame:
    """The whole filtered queue as a frame (exports)."""
    return as_frame(queue_rows(call, filters), call)


ROW_HTML = (
    '<tr{}><td><input type="checkbox" name="ids" value="{}" aria-label="Select #{}"></td><td><a href="/applications/{}/">{}</a></td>'
    '<td>{}</td><td><span class="badge {}">{}</span></td><td>{}</td><td>{}</td><td class="num">{}/{}</td><td class="num">{}</td>'
    '<td class="num"><strong>{}</strong></td><td class="num">{}{}</td></tr>'
)


def display_rows(records: list[tuple]) -> list[dict]:
    """One page of the queue, each row rendered once here: at 250 rows the template engine's per-cell
    cost was most of the page's time, and so was `format_html` escaping numbers. Text from people
    (the name, the background answer) and the labels are escaped (`html.escape`, quotes too); numbers
    are formatted by Python and need none."""

    def fmt(value):
        return "" if value is None or value != value else f"{value:.2f}"  # NaN != NaN

    state_label = {k: escape(v) for k, v in ApplicationState.choices}
    source_label = {k: escape(v) for k, v in Application.Source.choices}
    rows = []
    for pk, state, source, name, _email, n, raw, calibrated, spread, disagree, assigned, background in records:
        html = ROW_HTML.format(
            ' class="disagree"' if disagree else "", pk, pk, pk, pk, escape(str(name)), escape(str(state)),
            state_label.get(state, escape(str(state))),  # words, never the code
            escape(str(background)), source_label.get(source, escape(str(source))), int(n), int(assigned),
            fmt(raw), fmt(calibrated), fmt(spread), ' <span class="badge warning">disagree</span>' if disagree else "",
        )  # fmt: skip
        rows.append({"pk": pk, "calibrated": fmt(calibrated), "disagreement": bool(disagree),
                     "html": mark_safe(html)})  # noqa: S308 (escaped above)  # fmt: skip
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
