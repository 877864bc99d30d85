"""Around the programs: an announcement to 10,000 subscribers (queued in batches, delivered to a real
SMTP server on 127.0.0.1 over one connection per 200 messages), and the feedback summary page for a
40-person cohort over 20 days."""

from __future__ import annotations

import random
import time
from datetime import date

from django.conf import settings
from django.core.management import call_command
from django.test import Client

from applications.models import OutboundMessage, Subscriber
from applications.updates import services as updates
from program.feedback import answers as feedback
from program.models import Cohort, ProgramDay, Role, User
from program.services import enroll, generate_program_days, grant_role
from tests.servers.smtp import SmtpSink, point_django_at

from .harness import Row, measure


def announcement_rows(n: int = 10_000) -> list[Row]:
    call_command("flush", "--no-input", verbosity=0)
    Subscriber.objects.bulk_create(
        Subscriber(
            email=f"s{i:05d}@example.org",
            email_hash=Subscriber.hash_of(f"s{i:05d}@example.org"),
            name=f"S{i}",
            interests=["bootcamp"] if i % 2 else ["bootcamp", "grants"],
            state=Subscriber.State.CONFIRMED,
        )
        for i in range(n)
    )
    organizer = User.objects.create_user("o@bench.test", full_name="O")
    announcement = updates.compose("MLAB4 is open", "Applications are open until 1 March.", "bootcamp", by=organizer)
    started = time.perf_counter()
    queued = updates.send(announcement)
    queue_s = time.perf_counter() - started
    with SmtpSink() as sink:
        point_django_at(settings, sink.port)
        started = time.perf_counter()
        sent = updates.deliver(announcement.pk)
        deliver_s = time.perf_counter() - started
        received = len(sink.handler.messages)
    assert queued == sent == received == n == OutboundMessage.objects.filter(state="sent").count()
    return [
        Row(
            "announcement: queue (render + bulk insert)",
            f"{n} subscribers",
            queue_s * 1000,
            "",
            {"msgs/s": f"{n / queue_s:.0f}"},
        ),
        Row(
            "announcement: deliver to SMTP (200 per connection)",
            f"{n} subscribers",
            deliver_s * 1000,
            "",
            {"msgs/s": f"{n / deliver_s:.0f}", "received by the SMTP server": received},
        ),
    ]


def feedback_row() -> list[Row]:
    call_command("flush", "--no-input", verbosity=0)
    rng = random.Random(1)
    cohort = Cohort.objects.create(
        name="Fb", slug="fb", starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 30), optional_saturdays=False
    )
    generate_program_days(cohort)
    people = [User.objects.create_user(f"f{i:02d}@bench.test", full_name=f"F{i:02d}") for i in range(40)]
    for person in people:
        enroll(cohort, person, role=Role.PARTICIPANT)
    for day in ProgramDay.objects.filter(cohort=cohort):
        for person in rng.sample(people, 32):
            answers = {s: rng.randint(1, 5) for s in feedback.SCORES}
            feedback.submit_day(
                person, day, answers | {"text": "More time for the RL day" if rng.random() < 0.3 else ""}
            )
    coordinator = User.objects.create_user("c@bench.test", full_name="C")
    grant_role(coordinator, Role.COORDINATOR)
    client = Client()
    client.force_login(coordinator)

    def get():
        assert client.get("/cohorts/fb/feedback/").status_code == 200

    median_ms, queries, cpu_ms = measure(get)
    return [
        Row(
            "feedback summary (pandas + SVG chart)",
            "40 people × 20 days",
            median_ms,
            queries,
            {"CPU ms": f"{cpu_ms:.1f}"},
        )
    ]


def run() -> list[Row]:
    return announcement_rows() + feedback_row()
