"""Per-call analytics with pandas: the funnel, who applied, where they heard of us, how reviewers score."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from applications.models import Answer, Application, Call, Interview, Offer, Review
from applications.models import ApplicationState as S

FUNNEL = ["received", "submitted", "reviewed", "interviewed", "accepted", "confirmed"]
AFTER_SUBMISSION = {S.SUBMITTED, S.IN_REVIEW, S.INTERVIEW, S.ACCEPTED, S.WAITLISTED, S.REJECTED}


@dataclass
class CallAnalytics:
    funnel: pd.DataFrame
    background: pd.DataFrame
    sources: pd.DataFrame
    heard_from: pd.DataFrame
    reviewers: pd.DataFrame
    histogram: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "funnel": self.funnel,
            "background": self.background,
            "sources": self.sources,
            "heard_from": self.heard_from,
            "reviewers": self.reviewers,
            "score_histogram": self.histogram,
        }

    def frame(self) -> pd.DataFrame:
        """All tables in one, a block per table, with a `table` column to tell them apart (the CSV export)."""
        parts = [
            frame.reset_index(drop=True).assign(table=name) for name, frame in self.tables().items() if not frame.empty
        ]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["table"])


def _counts(values, label: str) -> pd.DataFrame:
    series = pd.Series(list(values), dtype="object").fillna("").astype(str).str.strip().replace("", "(not answered)")
    out = series.value_counts().rename_axis(label).reset_index(name="count")
    return out.sort_values(["count", label], ascending=[False, True]).reset_index(drop=True)


def _reviewer_tables(reviews: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per reviewer: how many reviews and their spread; and each reviewer's histogram of totals (1–5)."""
    if reviews.empty:
        return (
            pd.DataFrame(columns=["reviewer", "reviews", "mean", "std", "min", "max"]),
            pd.DataFrame(columns=["reviewer", "bucket", "count"]),
        )
    reviews = reviews.copy()
    reviews["reviewer"] = reviews["reviewer__full_name"].where(
        reviews["reviewer__full_name"] != "", reviews["reviewer__email"]
    )
    reviews["weighted_total"] = reviews["weighted_total"].astype(float)
    table = (
        reviews.groupby("reviewer")["weighted_total"]
        .agg(reviews="count", mean="mean", std=lambda s: s.std(ddof=0), min="min", max="max")
        .round(2)
        .reset_index()
        .sort_values("mean")
    )
    reviews["bucket"] = reviews["weighted_total"].round().clip(1, 5).astype(int)
    return table, reviews.groupby(["reviewer", "bucket"]).size().rename("count").reset_index()


def call_analytics(call: Call) -> CallAnalytics:
    apps = pd.DataFrame.from_records(
        Application.objects.filter(call=call).values("pk", "state", "source", "submitted_at"),
        columns=["pk", "state", "source", "submitted_at"],
    )
    reviews = pd.DataFrame.from_records(
        Review.objects.filter(application__call=call, submitted_at__isnull=False).values(
            "application_id", "reviewer__email", "reviewer__full_name", "weighted_total"
        ),
        columns=["application_id", "reviewer__email", "reviewer__full_name", "weighted_total"],
    )
    interviewed = set(
        Interview.objects.filter(application__call=call, state=Interview.State.COMPLETED).values_list(
            "application_id", flat=True
        )
    )
    confirmed = set(
        Offer.objects.filter(application__call=call, response=Offer.Response.CONFIRMED).values_list(
            "application_id", flat=True
        )
    )
    answers = pd.DataFrame.from_records(
        Answer.objects.filter(application__call=call, question__key__in=["background", "heard_from"]).values(
            "application_id", "question__key", "value"
        ),
        columns=["application_id", "question__key", "value"],
    )

    reviewed = set(reviews["application_id"]) if not reviews.empty else set()
    accepted = set(apps.loc[apps["state"] == S.ACCEPTED, "pk"]) | confirmed
    funnel_counts = {
        "received": len(apps),
        "submitted": int((apps["submitted_at"].notna() | apps["state"].isin(AFTER_SUBMISSION)).sum())
        if len(apps)
        else 0,
        "reviewed": len(reviewed),
        "interviewed": len(interviewed),
        "accepted": len(accepted),
        "confirmed": len(confirmed),
    }
    funnel = pd.DataFrame({"stage": FUNNEL, "count": [funnel_counts[s] for s in FUNNEL]})
    funnel["share_of_received"] = (funnel["count"] / max(funnel_counts["received"], 1)).round(3)

    def answers_for(key):
        return answers.loc[answers["question__key"] == key, "value"] if not answers.empty else []

    reviewer_table, histogram = _reviewer_tables(reviews)
    return CallAnalytics(
        funnel=funnel,
        background=_counts(answers_for("background"), "background"),
        sources=_counts(apps["source"] if len(apps) else [], "source"),
        heard_from=_counts(answers_for("heard_from"), "heard_from"),
        reviewers=reviewer_table,
        histogram=histogram,
    )


def bars(frame: pd.DataFrame, label: str, value: str = "count") -> list[dict]:
    """Rows for the bar-chart template: label, value and the bar's share of the largest value."""
    if frame.empty:
        return []
    top = max(float(frame[value].max()), 1e-9)
    return [
        {"label": str(r[label]), "value": r[value], "share": round(100 * float(r[value]) / top, 1)}
        for _, r in frame.iterrows()
    ]
