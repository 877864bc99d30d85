"""The scheduling engine on generated instances (no database)."""

from __future__ import annotations

import time

from program.scheduling import solve
from program.scheduling.generate import interview_instance, pairing_instance, planted_lecture_instance, ta_instance

from .harness import Row

PAIRING = [  # (people, days, absences per day, people away 2-4 days in a row, do-not-pair pairs)
    (40, 20, 0.0, 0, 0),
    (40, 30, 0.05, 2, 3),
    (31, 20, 0.05, 1, 2),
    (120, 20, 0.05, 3, 4),
    (500, 20, 0.05, 10, 10),
]


def run() -> list[Row]:
    rows = []
    for n, days, absence, long_away, dnp in PAIRING:
        instance = pairing_instance(n, days, seed=1, absence_rate=absence, do_not_pair=dnp, long_absences=long_away)
        started = time.perf_counter()
        meta = solve(instance)["meta"]
        elapsed = (time.perf_counter() - started) * 1000
        rows.append(
            Row(
                f"pairing ({meta['solver']}, {int(absence * 100)}% absent)",
                f"{n} people × {days} days",
                elapsed,
                "",
                {
                    "repeats / bound": f"{meta['repeat_events']} / {meta['repeat_events_lower_bound']}",
                    "max skill gap": meta["skill_gap_max"],
                },
            )
        )
    instance = ta_instance(120, 20, seed=1)
    started = time.perf_counter()
    meta = solve(instance)["meta"]
    rows.append(
        Row(
            "TA assignment (min-cost max flow)",
            "120 TAs × 20 days",
            (time.perf_counter() - started) * 1000,
            "",
            {"coverage / bound": f"{meta['coverage_fraction']} / {meta['coverage_upper_bound']}"},
        )
    )
    instance = planted_lecture_instance(40, 20, seed=1)
    started = time.perf_counter()
    meta = solve(instance)["meta"]
    rows.append(
        Row(
            f"lecture plan ({meta['solver']}{', optimal' if meta['proven_optimal'] else ''})",
            "40 lectures × 20 days",
            (time.perf_counter() - started) * 1000,
            "",
            {"days early": meta["earliness_total_days"]},
        )
    )
    instance = interview_instance(2000, n_interviewers=80, seed=1)
    started = time.perf_counter()
    meta = solve(instance)["meta"]
    rows.append(
        Row(
            "interview matching (max flow, min-max load)",
            "2000 applicants × 80 interviewers",
            (time.perf_counter() - started) * 1000,
            "",
            {
                "scheduled / max": f"{meta['scheduled']} / {meta['max_schedulable']}",
                "max load / best possible": f"{meta['interviewer_load_max']} / {meta['interviewer_load_max_bound']}",
            },
        )
    )
    return rows + week_board_rows()


def week_board_rows() -> list[Row]:
    """The coordinator's week board and a participant's Today page for a 40-person cohort over 20 days."""
    from datetime import date  # noqa: PLC0415
    from datetime import time as clock

    from django.core.management import call_command  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415

    from program.cohorts import pairs, schedule, staffing  # noqa: PLC0415
    from program.models import Cohort, LabMachine, ProgramDay, Role, Room, User  # noqa: PLC0415
    from program.services import enroll, generate_program_days, grant_role  # noqa: PLC0415

    from .harness import measure  # noqa: PLC0415

    call_command("flush", "--no-input", verbosity=0)
    cohort = Cohort.objects.create(
        name="Bench", slug="bench", starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 30), optional_saturdays=False
    )
    generate_program_days(cohort)
    rooms = [Room.objects.create(name=f"Lab {c}", pairs_per_ta=5) for c in "AB"]
    for i in range(24):
        LabMachine.objects.create(name=f"gpu{i:02d}", url="http://127.0.0.1:1", token="t", room=rooms[i % 2])
    people = [User.objects.create_user(f"p{i:02d}@bench.test", full_name=f"P{i:02d}") for i in range(40)]
    for person in people:
        enroll(cohort, person, role=Role.PARTICIPANT)
    for i in range(6):
        enroll(cohort, User.objects.create_user(f"t{i}@bench.test", full_name=f"T{i}"), role=Role.TA)
    coordinator = User.objects.create_user("c@bench.test", full_name="C")
    grant_role(coordinator, Role.COORDINATOR)
    days = list(ProgramDay.objects.filter(cohort=cohort).order_by("date"))
    pairs.generate(cohort, from_day=days[0].date)
    staffing.assign_tas(cohort, from_day=days[0].date)
    for day in days:
        schedule.add_session(day, title="Lecture", starts=clock(9, 30), ends=clock(10, 30), room=rooms[0])
        schedule.add_session(
            day, title="Reading", starts=clock(11, 0), ends=clock(12, 0), kind="reading", room=rooms[1]
        )
    rows = []
    for label, user, url in [
        ("week board (htmx-editable)", coordinator, "/cohorts/bench/pairs/?week=2"),
        ("Today page (participant)", people[0], f"/today/?date={days[7].date}"),
    ]:
        client = Client()
        client.force_login(user)

        def get(client=client, url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        median_ms, queries, cpu_ms = measure(get)
        rows.append(Row(label, f"{len(days)} days, 40 people", median_ms, queries, {"CPU ms": f"{cpu_ms:.1f}"}))
    return rows
