"""Progress tables for the pages, built with pandas from four queries whatever the cohort's size."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from django.conf import settings
from django.utils import timezone

from program.models import CheckResult, Cohort, Exercise, PairGroup, ProgramDay, Role

STATES = ("broken", "no report", "done", "not started", "in progress")


def day_state(*, broken: bool, reported: bool, passed: int, expected: int, worked: bool) -> str:
    """The one rule for a group's day, used by every page and export: broken (a test file did not
    import), no report (the machine never sent one), done (every expected test passed), in progress
    (something passes, or a test fails for real), not started (nothing passes and nothing fails but
    NotImplementedError stubs, skips, expected failures and setup errors). The denominator is the curriculum's list, never the report's."""
    if broken:
        return "broken"
    if not reported:
        return "no report"
    if expected and passed == expected:
        return "done"
    if passed == 0 and not worked:
        return "not started"
    return "in progress"


def _worked_on(not_started: bool, outcome: str) -> bool:
    """A result that shows the pair's work: a pass, an unexpected pass, or a real failure (not a
    NotImplementedError stub). Skips, expected failures and setup errors say nothing about the pair."""
    return outcome in ("passed", "xpassed") or (outcome == "failed" and not not_started)


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
    per_group = _results_per_group(group_rows["group_id"].tolist(), expected)
    totals = expected.groupby("day_key").size().rename("expected").reset_index()
    table = group_rows.merge(per_group.reset_index(), on=["group_id", "day_key"], how="left").merge(
        totals, on="day_key", how="left"
    )
    table["passed"] = table["passed"].fillna(0).astype(int)
    table["expected"] = table["expected"].fillna(0).astype(int)
    table["worked"] = table["worked"].fillna(False).astype(bool)
    table["share"] = (table["passed"] / table["expected"].where(table["expected"] > 0)).astype(float)
    reported = table["reported_at"].notna() | table["results"].fillna(0).gt(0)
    table["state"] = [
        day_state(broken=b != "", reported=r, passed=p, expected=e, worked=w)
        for b, r, p, e, w in zip(
            table["broken"], reported, table["passed"], table["expected"], table["worked"], strict=True
        )
    ]
    table.loc[table["state"] == "no report", "share"] = float("nan")
    return table.merge(members[["group_id", "user_id", "name"]], on="group_id")[COLUMNS]


def _results_per_group(group_ids: list[int], expected: pd.DataFrame) -> pd.DataFrame:
    """Per (group, day key), over the curriculum's expected tests only: how many passed, whether any
    result shows work, and how many results there are."""
    results = pd.DataFrame(
        list(
            CheckResult.objects.filter(group_id__in=group_ids).values_list(
                "group_id", "day_key", "test_id", "first_passed_at", "not_started", "outcome"
            )
        ),
        columns=["group_id", "day_key", "test_id", "first_passed_at", "not_started", "outcome"],
    ).merge(expected, on=["day_key", "test_id"])
    results["passed"] = results["first_passed_at"].notna()
    results["worked"] = [
        _worked_on(bool(n), o) for n, o in zip(results["not_started"], results["outcome"], strict=True)
    ]
    return results.groupby(["group_id", "day_key"]).agg(
        passed=("passed", "sum"), worked=("worked", "any"), results=("test_id", "size")
    )


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
    test for LAB_STALL_MINUTES. The most urgent first; `since` is when the first rule began to hold."""
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
        reasons, stuck_since = [], now  # since when the rule holds (behind the pace: seen now)
        if row.state == "broken":
            reasons.append(f"broken: {group.broken}")
            stuck_since = group.reported_at or now
        elif row.state == "no report":
            reasons.append("no report from the machine yet")
        else:
            if row.state != "done" and row.share < pace - settings.LAB_PACE_MARGIN:
                reasons.append(f"behind the cohort's pace ({row.share:.0%} against {pace:.0%})")
            since = group.last_progress_at or group.reported_at
            if row.state != "done" and since and now - since > stall:
                reasons.append(f"no newly passing test for {int((now - since).total_seconds() // 60)} min")
                stuck_since = min(stuck_since, since + stall)
        if reasons:
            share = None if pd.isna(row.share) else row.share
            found.append({"group": group, "share": share, "reasons": reasons, "since": stuck_since})
    order = {"broken": 0, "no report": 1}
    found.sort(key=lambda f: (order.get(f["reasons"][0].split(":")[0], 2), f["share"] or 0))
    return found


def ta_cohorts(user) -> list[int]:
    return list(user.enrollments.filter(role=Role.TA, status="active").values_list("cohort_id", flat=True))


def expected_tests(groups: list[PairGroup]) -> dict[tuple[int, str], list[str]]:
    """(curriculum id, day key) → the day's expected test ids (retired exercises excluded)."""
    curricula = {g.day.cohort.curriculum_id for g in groups if g.day.cohort.curriculum_id}
    expected: dict[tuple[int, str], list[str]] = {}
    for curriculum_id, day_key, test_ids in Exercise.objects.filter(
        day__curriculum_id__in=curricula, retired=False
    ).values_list("day__curriculum_id", "day__key", "test_ids"):
        expected.setdefault((curriculum_id, day_key), []).extend(test_ids)
    return expected


def group_day_state(group: PairGroup, day_key: str | None = None) -> dict:
    """A group's day: no report / broken / not started / in progress / done, and passed of expected.
    The denominator is the curriculum's expected list, never what a report claims."""
    group = PairGroup.objects.select_related("day__cohort", "day__curriculum_day").get(pk=group.pk)
    day_key = day_key or (group.day.curriculum_day.key if group.day.curriculum_day else "")
    expected = set(expected_tests([group]).get((group.day.cohort.curriculum_id, day_key), []))
    results = list(CheckResult.objects.filter(group=group, day_key=day_key))
    passed = sum(1 for r in results if r.first_passed_at and r.test_id in expected)
    worked = any(_worked_on(r.not_started, r.outcome) for r in results if r.test_id in expected)
    return {
        "state": day_state(
            broken=bool(group.broken),
            reported=group.reported_at is not None or bool(results),
            passed=passed,
            expected=len(expected),
            worked=worked,
        ),
        "passed": passed,
        "expected": len(expected),
        "share": passed / len(expected) if expected else None,
    }


def exercise_rows(group: PairGroup) -> list[dict]:
    """Each exercise of the group's day: its state and when it was first fully passing."""
    day = group.day.curriculum_day
    if day is None:
        return []
    results = {r.test_id: r for r in CheckResult.objects.filter(group=group, day_key=day.key)}
    rows = []
    for exercise in Exercise.objects.filter(day=day, retired=False).order_by("position", "pk"):
        mine = [results.get(t) for t in exercise.test_ids]
        passed = [r for r in mine if r and r.first_passed_at]
        if exercise.test_ids and len(passed) == len(exercise.test_ids):
            state, at = "passed", max(r.first_passed_at for r in passed)
        elif passed:
            state, at = "partly passing", None
        elif any(r and not r.not_started and r.outcome in ("failed", "error") for r in mine):
            state, at = "failing", None
        elif any(r for r in mine):
            state, at = "not started", None
        else:
            state, at = "no result", None
        rows.append(
            {
                "exercise": exercise,
                "state": state,
                "first_passed_at": at,
                "tests": [(t, results.get(t)) for t in exercise.test_ids],
                "passed": len(passed),
            }
        )
    return rows
