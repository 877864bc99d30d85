"""Numbers for the coordinator: per day and TA, the entries claimed, the wait from asking to a claim
(median and 90th percentile), the wait from "stuck" detected to a claim (spotted entries), and the
handling time (claim to resolution); and the tests that raise most questions across the cohort.

Percentiles are pandas' `quantile` (linear interpolation between the closest ranks), in minutes.
"""

from __future__ import annotations

import pandas as pd

from program.models import Cohort, HelpRequest

COLUMNS = ["date", "ta", "entries", "wait_median", "wait_p90", "stuck_wait_median", "stuck_wait_p90",
           "handling_median"]  # fmt: skip


def _minutes(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 60


def per_day_and_ta(cohort: Cohort) -> pd.DataFrame:
    rows = list(
        HelpRequest.objects.filter(day__cohort=cohort, claimed_at__isnull=False).values(
            "day__date", "claimed_by__full_name", "claimed_by__email", "asked_at", "detected_at", "claimed_at",
            "resolved_at",
        )
    )  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.DataFrame(rows)
    for column in ("asked_at", "detected_at", "claimed_at", "resolved_at"):
        table[column] = pd.to_datetime(table[column], utc=True)
    table["ta"] = table["claimed_by__full_name"].where(table["claimed_by__full_name"] != "", table["claimed_by__email"])
    table["wait"] = _minutes(table["claimed_at"], table["asked_at"])
    table["stuck_wait"] = _minutes(table["claimed_at"], table["detected_at"])
    table["handling"] = _minutes(table["resolved_at"], table["claimed_at"])
    groups = table.groupby(["day__date", "ta"])
    out = pd.DataFrame({
        "entries": groups.size(),
        "wait_median": groups["wait"].median(),
        "wait_p90": groups["wait"].quantile(0.9),
        "stuck_wait_median": groups["stuck_wait"].median(),
        "stuck_wait_p90": groups["stuck_wait"].quantile(0.9),
        "handling_median": groups["handling"].median(),
    }).reset_index().rename(columns={"day__date": "date"})  # fmt: skip
    return out[COLUMNS].round(1)


def top_tests(cohort: Cohort, limit: int = 20) -> pd.DataFrame:
    """The tests most entries were failing when they asked, with how many entries and distinct pairs."""
    rows = [
        {"test": test["test"], "group": group}
        for group, failing in HelpRequest.objects.filter(day__cohort=cohort).values_list("group_id", "failing")
        for test in failing or []
        if isinstance(test, dict) and test.get("test")
    ]
    if not rows:
        return pd.DataFrame(columns=["test", "entries", "pairs"])
    table = pd.DataFrame(rows)
    counted = table.groupby("test").agg(entries=("group", "size"), pairs=("group", "nunique")).reset_index()
    return counted.sort_values(["entries", "test"], ascending=[False, True]).head(limit).reset_index(drop=True)
