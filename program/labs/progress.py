"""Progress tables for the pages, built with pandas from four queries whatever the cohort's size."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from django.conf import settings
from django.utils import timezone

from program.models import CheckResult, Cohort, Exercise, PairGroup, ProgramDay, Role

COLUMNS = ["user_id", "name", "day", "date", "group_id", "workspace", "passed", "expected", "share", "state"]


def frame(cohort: Cohort, *, user_id: int | None = None, days: list[ProgramDay] | None = None) -> pd.DataFrame:
    """One row per (person, program day): the share of the day's expected tests their group has passed."""
    groups = PairGroup.objects.filter(day__cohort=cohort, day__curriculum_day__isnull=False)
    if days is not None:
        groups = groups.filter(day__in=days)
    if user_id is not None:
        groups = groups.filter(members=user_id)
    group_rows = pd.DataFrame(
        list(
            groups.values_list(
                "pk", "workspace", "day__number", "day__date", "day__curriculum_day__key", "broken", "reported_at"
            )
        ),
        columns=["group_id", "workspace", "day", "date", "day_key", "broken", "reported_at"],
    )
    if group_rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    members = pd.DataFrame(
        list(
            PairGroup.members.through.objects.filter(pairgroup_id__in=group_rows["group_id"].tolist()).values_list(
                "pairgroup_id", "user_id", "user__full_name", "user__email"
            )
        ),
        columns=["group_id", "user_id", "full_name", "email"],
    )
    if user_id is not None:
        members = members[members["user_id"] == user_id]
    members["name"] = members["full_name"].where(members["full_name"] != "", members["email"])
    expected = pd.DataFrame(
        [
            (key, test_id)
            for key, ids in Exercise.objects.filter(day__curriculum=cohort.curriculum, retired=False).values_list(
                "day__key", "test_ids"
            )
            for test_id in ids
        ],
        columns=["day_key", "test_id"],
    ).drop_duplicates()
    passed = pd.DataFrame(
        list(
            CheckResult.objects.filter(
                group_id__in=group_rows["group_id"].tolist(), first_passed_at__isnull=False
            ).values_list("group_id", "day_key", "test_id")
        ),
        columns=["group_id", "day_key", "test_id"],
    ).merge(expected, on=["day_key", "test_id"])
    counts = passed.groupby(["group_id", "day_key"]).size().rename("passed").reset_index()
    totals = expected.groupby("day_key").size().rename("expected").reset_index()
    table = group_rows.merge(counts, on=["group_id", "day_key"], how="left").merge(totals, on="day_key", how="left")
    table["passed"] = table["passed"].fillna(0).astype(int)
    table["expected"] = table["expected"].fillna(0).astype(int)
    table["share"] = (table["passed"] / table["expected"].where(table["expected"] > 0)).astype(float)
    reported = table["reported_at"].notna()
    table["state"] = "in progress"
    table.loc[table["passed"] == 0, "state"] = "not started"
    table.loc[(table["expected"] > 0) & (table["passed"] == table["expected"]), "state"] = "done"
    table.loc[~reported, "state"] = "no report"
    table.loc[table["broken"] != "", "state"] = "broken"
    table.loc[table["state"] == "no report", "share"] = float("nan")
    return table.merge(members[["group_id", "user_id", "name"]], on="group_id")[COLUMNS]


def heatmap(cohort: Cohort) -> tuple[list[dict], list[int]]:
    """People × days for the template: each cell has the share (or None), the state and the workspace."""
    table = frame(cohort)
    days = sorted(table["day"].unique().tolist())
    rows = []
    for (user_id, name), person in table.sort_values("name").groupby(["user_id", "name"], sort=False):
        cells = {int(r.day): r for r in person.itertuples()}
        rows.append(
            {
                "user_id": user_id,
                "name": name,
                "cells": [
                    {
                        "day": day,
                        "share": None
                        if cells.get(day) is None or pd.isna(cells[day].share)
                        else float(cells[day].share),
                        "state": cells[day].state if day in cells else "no group",
                        "workspace": cells[day].workspace if day in cells else "",
                    }
                    for day in days
                ],
            }
        )
    return rows, days


def needs_help(cohort: Cohort, *, now=None) -> list[dict]:
    """Today's groups that need a TA now: broken, no report yet, below the cohort's pace for this time
    of day (the median share of today's reporting groups minus LAB_PACE_MARGIN), or no newly passing
    test for LAB_STALL_MINUTES. The most urgent first."""
    now = now or timezone.now()
    today = ProgramDay.objects.filter(cohort=cohort, date=timezone.localdate(now)).first()
    if today is None:
        return []
    table = frame(cohort, days=[today])
    if table.empty:
        return []
    per_group = table.drop_duplicates("group_id")
    reporting = per_group[per_group["state"].isin(["in progress", "not started", "done"])]
    pace = float(reporting["share"].median()) if not reporting.empty else 0.0
    groups = {
        g.pk: g
        for g in PairGroup.objects.filter(pk__in=per_group["group_id"].tolist())
        .select_related("machine__room")
        .prefetch_related("members")
    }
    stall = timedelta(minutes=settings.LAB_STALL_MINUTES)
    found = []
    for row in per_group.itertuples():
        group = groups[row.group_id]
        reasons = []
        if row.state == "broken":
            reasons.append(f"broken: {group.broken}")
        elif row.state == "no report":
            reasons.append("no report from the machine yet")
        else:
            if row.state != "done" and row.share < pace - settings.LAB_PACE_MARGIN:
                reasons.append(f"behind the cohort's pace ({row.share:.0%} against {pace:.0%})")
            since = group.last_progress_at or group.reported_at
            if row.state != "done" and since and now - since > stall:
                reasons.append(f"no newly passing test for {int((now - since).total_seconds() // 60)} min")
        if reasons:
            found.append({"group": group, "share": None if pd.isna(row.share) else row.share, "reasons": reasons})
    order = {"broken": 0, "no report": 1}
    found.sort(key=lambda f: (order.get(f["reasons"][0].split(":")[0], 2), f["share"] or 0))
    return found


def ta_cohorts(user) -> list[int]:
    return list(user.enrollments.filter(role=Role.TA, status="active").values_list("cohort_id", flat=True))
