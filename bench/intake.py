"""Email intake throughput against the bare floor, and the organizer's application list at 5,000."""

from __future__ import annotations

import hashlib
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from django.core.management import call_command
from django.db import connection
from django.test import Client

from applications import intake
from applications.models import Application, Call
from program.models import User
from tests.fixtures.mail.make_corpus import pdf

from .harness import Row, measure

MESSAGES = 1000
RESUME = pdf("Benchmark Resume", pad=200_000)  # ~200 KB, a realistic single-page resume with fonts


def _messages(n: int) -> list[bytes]:
    out = []
    for i in range(n):
        msg = EmailMessage()
        msg["From"] = f"Applicant {i} <applicant{i}@bench.example>"
        msg["To"] = "apply@localhost"
        msg["Subject"] = f"Application {i}"
        msg["Message-ID"] = f"<bench-{i}@bench.example>"
        msg.set_content(f"Hello, I am applicant {i}. My resume is attached.\n")
        msg.add_attachment(RESUME, maintype="application", subtype="pdf", filename=f"resume-{i}.pdf")
        out.append(msg.as_bytes(policy=policy.SMTP))
    return out


def _floor(raws: list[bytes], parse_policy=policy.default) -> float:
    """What any intake must do at least: parse the MIME, decode the attachment, write one row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor (sha256 varchar(64), size integer, subject varchar(200))"
        )
        cursor.execute("DELETE FROM bench_floor")
    started = time.perf_counter()
    for raw in raws:
        msg = BytesParser(policy=parse_policy).parsebytes(raw)
        payloads = [part.get_payload(decode=True) for part in msg.walk() if not part.is_multipart()]
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_floor (sha256, size, subject) VALUES (%s, %s, %s)",
                [hashlib.sha256(raw).hexdigest(), sum(len(p or b"") for p in payloads), str(msg["Subject"])],
            )
    return time.perf_counter() - started


def _one_by_one(raws: list[bytes]) -> tuple[float, dict[str, int]]:
    """`ingest`, one message per call: the mail-server pipe (ingest_email) and scripts."""
    call_command("flush", "--no-input", verbosity=0)
    outcomes: dict[str, int] = {}
    started = time.perf_counter()
    for raw in raws:
        result = intake.ingest(raw, source="file")
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    return time.perf_counter() - started, outcomes


def _batched(raws: list[bytes]) -> tuple[float, dict[str, int]]:
    """`ingest_many`: what an IMAP poll and a Maildir import run."""
    call_command("flush", "--no-input", verbosity=0)
    outcomes: dict[str, int] = {}
    started = time.perf_counter()
    items = ((raw, f"bench:{i}") for i, raw in enumerate(raws))
    for result in intake.ingest_many(items, source="maildir"):
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    return time.perf_counter() - started, outcomes


def run() -> list[Row]:
    call_command("flush", "--no-input", verbosity=0)
    raws = _messages(MESSAGES)
    n = f"{MESSAGES} msgs, {len(RESUME) // 1024} KB PDF"
    # Each way measured twice, alternating, best kept: the machine's noise hits every row alike.
    floors, compat_floors, singles, batches = [], [], [], []
    for _ in range(2):
        floors.append(_floor(raws))
        compat_floors.append(_floor(raws, policy.compat32))
        single_s, single_outcomes = _one_by_one(raws)
        batch_s, batch_outcomes = _batched(raws)
        assert single_outcomes == batch_outcomes == {"application_created": MESSAGES}, (single_outcomes, batch_outcomes)
        singles.append(single_s)
        batches.append(batch_s)
    floor_s, compat_floor_s, single_s, batch_s = min(floors), min(compat_floors), min(singles), min(batches)

    def pipeline(name: str, seconds: float) -> Row:
        return Row(
            name,
            n,
            seconds * 1000 / MESSAGES,
            "",
            {
                "msgs/s": f"{MESSAGES / seconds:.0f}",
                "vs floor": f"{floor_s / seconds:.2f}x",
                "vs compat32 floor": f"{compat_floor_s / seconds:.2f}x",
            },
        )

    rows = [
        Row("intake floor: parse + 1 INSERT", n, floor_s * 1000 / MESSAGES, 1, {"msgs/s": f"{MESSAGES / floor_s:.0f}"}),
        Row(
            "intake floor, compat32 parse",
            n,
            compat_floor_s * 1000 / MESSAGES,
            1,
            {"msgs/s": f"{MESSAGES / compat_floor_s:.0f}"},
        ),
        pipeline("intake: ingest, one at a time", single_s),
        pipeline("intake: ingest_many (IMAP, Maildir)", batch_s),
    ]
    rows.append(_application_list(5000))
    return rows


def _application_list(n: int) -> Row:
    call_command("flush", "--no-input", verbosity=0)
    call_command("seed_demo", "--quiet")
    call = Call.objects.get(slug="mlab3-participants")
    users = User.objects.bulk_create(
        User(email=f"bulk{i}@bench.example", full_name=f"Bulk Applicant {i}") for i in range(n)
    )
    Application.objects.bulk_create(Application(call=call, applicant=u, state="submitted") for u in users)
    client = Client()
    client.force_login(User.objects.get(email="organizer@runway.test"))

    def get():
        response = client.get(f"/applications/calls/{call.slug}/", {"state": "submitted"})
        assert response.status_code == 200, response.status_code

    median_ms, queries, cpu_ms = measure(get)
    total = Application.objects.filter(call=call).count()
    return Row(
        "organizer application list (50/page)", f"{total} applications", median_ms, queries, {"CPU ms": f"{cpu_ms:.1f}"}
    )
