"""The TA help queue: its page with 40 open entries (and the same page with 10: the query count must not
move), and a round of 40 asks (each parsing the pair's latest report) and 40 claims by 4 TAs."""

from __future__ import annotations

import hashlib
import statistics
import time
from datetime import timedelta

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from program.help import queue
from program.labs import collector
from program.models import Cohort, HelpRequest, LabMachine, PairGroup, ProgramDay, Role, Room, TAAssignment, User
from program.services import enroll

from .harness import Row, measure

TESTS = ["test_add", "test_mul", "test_div", "test_softmax_stable", "test_attention_mask", "test_layernorm"]


def _report(group: PairGroup, i: int) -> dict:
    cases = "".join(
        f'<testcase classname="tests.test_day1" name="{t}">'
        + (f'<failure message="AssertionError: {t} is off (pair {i})">trace</failure>' if (i + k) % 3 == 0 else "")
        + "</testcase>"
        for k, t in enumerate(TESTS)
    )
    content = f"<testsuites><testsuite>{cases}</testsuite></testsuites>"
    return {"reports": [{"workspace": group.workspace, "day": "day1", "format": "junit", "seq": 1,
                         "sha256": hashlib.sha256(content.encode()).hexdigest(), "size": len(content),
                         "content": content}]}  # fmt: skip


def _day(slug: str, pairs: int) -> tuple[Cohort, ProgramDay, list[PairGroup], list[User]]:
    today = timezone.localdate()
    cohort = Cohort.objects.create(name=slug, slug=slug, starts_on=today, ends_on=today + timedelta(days=4))
    day = ProgramDay.objects.create(cohort=cohort, date=today, number=1)
    room = Room.objects.create(name=f"room-{slug}")
    tas = []
    for t in range(4):
        ta = User.objects.create_user(f"{slug}-ta{t}@bench.test", full_name=f"TA {t}")
        enroll(cohort, ta, role=Role.TA)
        TAAssignment.objects.create(day=day, ta=ta, room=room)
        tas.append(ta)
    groups = []
    for i in range(pairs):
        machine = LabMachine.objects.create(name=f"{slug}-m{i}", url="http://127.0.0.1:1", token="t" * 20, room=room)
        group = PairGroup.objects.create(day=day, workspace=f"{slug}-g{i:03d}", machine=machine)
        for j in range(2):
            person = User.objects.create_user(f"{slug}-{i}-{j}@bench.test", full_name=f"P{i}-{j}")
            enroll(cohort, person, role=Role.PARTICIPANT)
            group.members.add(person)
        collector.store(machine, _report(group, i))
        groups.append(group)
    return cohort, day, groups, tas


def _page(cohort: Cohort, ta: User) -> tuple[float, int]:
    client = Client()
    client.force_login(ta)

    def get():
        response = client.get(f"/cohorts/{cohort.slug}/queue/")
        assert response.status_code == 200

    median_ms, queries, _ = measure(get, repeat=11)
    return median_ms, queries


def run() -> list[Row]:
    call_command("flush", "--no-input", verbosity=0)
    small, _, small_groups, small_tas = _day("helpsmall", 10)
    cohort, day, groups, tas = _day("help", 40)
    for group in small_groups:
        queue.ask(group, by=None)
    rounds = []
    for _ in range(5):
        HelpRequest.objects.filter(day=day).delete()
        started = time.perf_counter()
        entries = [queue.ask(group, by=group.members.first())[0] for group in groups]
        for i, entry in enumerate(entries):
            queue.claim(entry, by=tas[i % 4])
        rounds.append((time.perf_counter() - started) * 1000)
    HelpRequest.objects.filter(day=day).delete()
    for group in groups:
        queue.ask(group, by=group.members.first())
    ms_40, queries_40 = _page(cohort, tas[0])
    ms_10, queries_10 = _page(small, small_tas[0])
    return [
        Row("TA help queue page", "40 open entries", ms_40, queries_40, {"queries at 10": queries_10, "ms at 10": f"{ms_10:.1f}"}),
        Row("help round: 40 asks + 40 claims", "40 pairs, 4 TAs", statistics.median(rounds), "",
            {"per ask+claim ms": f"{statistics.median(rounds) / 40:.1f}"}),
    ]  # fmt: skip
