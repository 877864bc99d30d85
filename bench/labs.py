"""Lab progress: a pull round over 200 agents on 127.0.0.1 (10% hung), the second, unchanged round's
writes, and the heatmap page for 40 people × 20 days."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from program.cohorts import pairs
from program.cohorts.curriculum import import_curriculum, load_file, map_program_days
from program.labs import collector
from program.models import CheckResult, Cohort, LabMachine, LabReport, ProgramDay, Role, User
from program.services import enroll, generate_program_days, grant_role

from .harness import Row, measure

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "labcurriculum"
TOKEN = "bench-token-long-enough-0123456789"
DEADLINE = 2.0


def _junit(folder: Path, answers: str, day: str) -> Path:
    out = folder / answers / f"{day}.junit.xml"
    subprocess.run(
        [sys.executable, "-m", "program.labagent", "test", "--tests", str(SAMPLE / "tests"), "--day", day]
        + ["--answers", str(SAMPLE / "answers" / answers), "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return out


def _cohort(name: str, people: int, starts: date, ends: date) -> tuple[Cohort, list[User]]:
    curriculum, _ = import_curriculum(load_file(SAMPLE / "curriculum.toml"))
    cohort = Cohort.objects.create(
        name=name, slug=name.lower(), starts_on=starts, ends_on=ends, optional_saturdays=False
    )
    generate_program_days(cohort)
    map_program_days(cohort, curriculum)
    users = [
        User.objects.create_user(f"{name.lower()}{i:03d}@bench.test", full_name=f"P{i:03d}") for i in range(people)
    ]
    for user in users:
        enroll(cohort, user, role=Role.PARTICIPANT)
    return cohort, users


def round_rows(scratch: Path) -> list[Row]:
    call_command("flush", "--no-input", verbosity=0)
    healthy, hung = 180, 20
    reports = {a: _junit(scratch / "junit", a, "day1").read_text() for a in ("good", "started")}
    cohort, _ = _cohort("Round", 2 * healthy, date(2026, 1, 5), date(2026, 1, 5))
    # Machines first, so that generating the pairs gives each group its own machine.
    machines = [
        LabMachine.objects.create(name=f"agent{i:03d}", url="http://127.0.0.1:1", token=TOKEN) for i in range(healthy)
    ]
    pairs.generate(cohort, from_day=date(2026, 1, 5))
    for index, group in enumerate(ProgramDay.objects.get(cohort=cohort).groups.select_related("machine")):
        folder = scratch / "agents" / group.machine.name / group.workspace
        folder.mkdir(parents=True)
        (folder / "day1.junit.xml").write_text(reports["good" if index % 2 else "started"])
    host = subprocess.Popen(
        [sys.executable, "-m", "bench.agents_host", str(scratch / "agents"), str(healthy), TOKEN],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    faulty = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "servers" / "faulty_agent.py"), "hang", "--count", str(hung)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for machine in machines:
            machine.url = f"http://127.0.0.1:{host.stdout.readline().strip()}"
            machine.save(update_fields=["url"])
        for index in range(hung):
            LabMachine.objects.create(
                name=f"hung{index:02d}", url=f"http://127.0.0.1:{faulty.stdout.readline().strip()}", token=TOKEN
            )
        settings.LAB_PULL_DEADLINE, settings.LAB_ROUND_DEADLINE = DEADLINE, 3 * DEADLINE
        started = time.perf_counter()
        first = collector.run_round()
        first_s = time.perf_counter() - started
        stored = CheckResult.objects.count()
        rows = [
            Row(
                "lab pull round (10% of agents hung)",
                f"{healthy + hung} agents",
                first_s * 1000,
                "",
                {
                    "vs deadline": f"{first_s / DEADLINE:.2f}× the {DEADLINE:g} s per-pull deadline",
                    "result rows": stored,
                    "failed": sum(not p.ok for p in first.pulled),
                },
            )
        ]
        for label, reset in (
            ("second round, unchanged (?since)", False),
            ("second round, unchanged, all resent", True),
        ):
            if reset:
                LabMachine.objects.update(last_seq=0)
            before = (LabReport.objects.count(), CheckResult.objects.count())
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                collector.run_round()
            elapsed = time.perf_counter() - started
            writes = [
                q
                for q in queries.captured_queries
                if q["sql"].startswith(("INSERT", 'UPDATE "program_checkresult"', 'UPDATE "program_labreport"'))
            ]
            rows.append(
                Row(
                    label,
                    f"{healthy + hung} agents",
                    elapsed * 1000,
                    "",
                    {
                        "result rows written": len(writes),
                        "rows before/after": f"{before} / {(LabReport.objects.count(), CheckResult.objects.count())}",
                    },
                )
            )
        return rows
    finally:
        for process in (host, faulty):
            process.kill()
            process.wait()
            process.stdout.close()


def heatmap_row(scratch: Path) -> list[Row]:
    call_command("flush", "--no-input", verbosity=0)
    good = _junit(scratch / "junit", "good", "day1").read_text()
    cohort, _ = _cohort("Heat", 40, date(2026, 1, 5), date(2026, 1, 30))
    coordinator = User.objects.create_user("coord@bench.test", full_name="C")
    grant_role(coordinator, Role.COORDINATOR)
    machine = LabMachine.objects.create(name="m", url="http://127.0.0.1:1", token=TOKEN)
    days = list(ProgramDay.objects.filter(cohort=cohort).select_related("curriculum_day").order_by("date"))
    pairs.generate(cohort, from_day=days[0].date)
    for day in days:
        key = day.curriculum_day.key if day.curriculum_day else f"day{day.number}"
        for group in day.groups.all():
            content = good.replace("test_add_many", f"test_add_many_{group.pk}")
            collector.store(
                machine,
                {
                    "reports": [
                        {
                            "workspace": group.workspace,
                            "day": key,
                            "format": "junit",
                            "sha256": hashlib.sha256(content.encode()).hexdigest(),
                            "seq": 1,
                            "size": len(content),
                            "content": content,
                        }
                    ]
                },
            )
    client = Client()
    client.force_login(coordinator)

    def get():
        response = client.get(f"/cohorts/{cohort.slug}/progress/")
        assert response.status_code == 200

    median_ms, queries, cpu_ms = measure(get)
    return [
        Row(
            "progress heatmap (pandas)",
            f"40 people × {len(days)} days",
            median_ms,
            queries,
            {"CPU ms": f"{cpu_ms:.1f}"},
        )
    ]


def run() -> list[Row]:
    scratch = Path(tempfile.mkdtemp(prefix="runway-bench-labs-"))
    try:
        return round_rows(scratch) + heatmap_row(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
