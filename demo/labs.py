"""The demo's lab progress, made the way a real cohort's is: each pair's workspace (a variant from
demo/curriculum/answers: complete, partial, stub, broken) is tested with `python -m program.labagent
test` for each curriculum day up to today, the JUnit reports land in the folder the demo lab agents of
`make run` serve (RUNWAY_VAR_DIR/lab/reports), and the collector stores what each machine would serve.

Each (variant, day) is run once, in parallel, and the report copied to every workspace that uses it,
with its pair property set to the workspace: the same bytes the agent would have produced.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from program.labagent import reports as agent_reports
from program.labs import collector
from program.models import Cohort, PairGroup

CURRICULUM = Path(__file__).resolve().parent / "curriculum"
TESTED_DAYS = ("w1d1", "w1d2", "w1d3", "w1d4", "w1d5", "w2d1", "w2d2")


def reports_folder() -> Path:
    return Path(settings.VAR_DIR) / "lab" / "reports"


def _variant(index: int, day_key: str, today_key: str) -> str | None:
    """Which workspace a group has on a day: most pairs finish past days; today is mixed (one broken,
    one with no report yet, some not started). None: no report."""
    if day_key != today_key:
        return "partial" if index % 5 == 4 else "complete"
    return {0: "complete", 1: "partial", 2: "stub", 3: "broken", 7: None}.get(index, "partial")


def _run(variant: str, day_key: str, scratch: Path) -> tuple[tuple[str, str], bytes]:
    out = scratch / variant / f"{day_key}.junit.xml"
    subprocess.run(
        [sys.executable, "-m", "program.labagent", "test", "--tests", str(CURRICULUM / "tests"), "--day", day_key]
        + ["--answers", str(CURRICULUM / "answers" / variant), "--out", str(out), "--pair", variant],
        cwd=settings.BASE_DIR,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (variant, day_key), out.read_bytes()


def seed_lab_progress(cohort: Cohort) -> int:
    """Write the reports of every group up to today and store them through the collector. Returns how
    many report files the demo agents now serve for this cohort."""
    today = timezone.localdate()
    groups = list(
        PairGroup.objects.filter(day__cohort=cohort, day__date__lte=today, day__curriculum_day__key__in=TESTED_DAYS)
        .select_related("day__curriculum_day", "machine")
        .order_by("day__date", "workspace")
    )
    if not groups:
        return 0
    today_key = max(groups, key=lambda g: g.day.date).day.curriculum_day.key
    plan = {}
    for group in groups:
        index = int(group.workspace.rsplit("-g", 1)[-1]) - 1
        variant = _variant(index, group.day.curriculum_day.key, today_key)
        if variant is not None:
            plan[group] = (variant, group.day.curriculum_day.key)
    folder = reports_folder()
    scratch = folder.parent / "scratch"
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = dict(pool.map(lambda key: _run(*key, scratch), sorted(set(plan.values()))))
    for group, key in plan.items():
        variant, day_key = key
        report = runs[key].replace(
            f'name="pair" value="{variant}"'.encode(), f'name="pair" value="{group.workspace}"'.encode()
        )
        path = folder / group.workspace / f"{day_key}.junit.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != report:
            path.write_bytes(report)
    _store_through_the_collector(plan, folder)
    return len(plan)


def _store_through_the_collector(plan: dict, folder: Path) -> None:
    """What each machine's agent serves for its own groups, stored by the collector as a pull would."""
    _seq, served = agent_reports.scan(folder)
    by_workspace = {}
    for report in served:
        by_workspace.setdefault(report["workspace"], []).append(report)
    per_machine = {}
    for group in plan:
        if group.machine is not None:
            per_machine.setdefault(group.machine, []).extend(
                r for r in by_workspace.get(group.workspace, []) if r["day"] == group.day.curriculum_day.key
            )
    for machine, items in per_machine.items():
        collector.store(machine, {"reports": items})
