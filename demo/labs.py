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
from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from program.cohorts import attendance
from program.help import queue as help_queue
from program.labagent import reports as agent_reports
from program.labs import collector
from program.models import Cohort, Enrollment, HelpRequest, LabReport, PairGroup, ProgramDay, User

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


def build_help_and_attendance(cohort: Cohort) -> None:
    """Today's help queue as a TA finds it mid-morning: pairs waiting with their failing tests (two stuck
    on the same test), one being helped by ta1, two helped earlier (so the numbers page has waits and
    handling times); yesterday's attendance confirmed from the machines' reports."""
    today = ProgramDay.objects.filter(cohort=cohort, date=timezone.localdate()).first()
    ta = User.objects.get(email="ta1@runway.test")
    if today is not None:
        groups = list(today.groups.filter(reports__isnull=False).distinct().order_by("workspace")[:7])
        now = timezone.now()
        for i, group in enumerate(groups):
            entry, _ = help_queue.ask(
                group, by=group.members.first(), note="" if i % 2 else "we think the shapes are off"
            )
            asked = now - timedelta(minutes=70 - 9 * i)
            HelpRequest.objects.filter(pk=entry.pk).update(asked_at=asked)
            if i < 3:  # claimed and handled earlier, or being helped now
                entry = help_queue.claim(HelpRequest.objects.get(pk=entry.pk), by=ta)
                HelpRequest.objects.filter(pk=entry.pk).update(claimed_at=asked + timedelta(minutes=3 + i))
                if i < 2:
                    help_queue.resolve(
                        entry, by=ta, resolution="a broadcasting mistake" if i else "forgot the max-subtraction"
                    )
                    HelpRequest.objects.filter(pk=entry.pk).update(resolved_at=asked + timedelta(minutes=9 + 2 * i))
    # The demo writes every day's reports as it is built; a real machine served each on its own day.
    zone = timezone.get_current_timezone()
    for day in ProgramDay.objects.filter(cohort=cohort, date__lt=timezone.localdate()):
        LabReport.objects.filter(group__day=day).update(received_at=datetime.combine(day.date, time(15), tzinfo=zone))
    # The demo enrolls everyone as it is built; in a real program they were enrolled before the start.
    before = datetime.combine(cohort.starts_on - timedelta(days=10), time(9), tzinfo=timezone.get_current_timezone())
    Enrollment.objects.filter(cohort=cohort).update(enrolled_at=before)
    yesterday = ProgramDay.objects.filter(cohort=cohort, date__lt=timezone.localdate()).order_by("-date").first()
    if yesterday is not None:
        sheet = attendance.day_sheet(yesterday)
        attendance.confirm(yesterday, {row["enrollment"].pk: row["state"] for row in sheet}, by=ta)
