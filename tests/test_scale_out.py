"""Two of everything: two gunicorn web processes and two Celery workers (each with its own
RUNWAY_VAR_DIR, as if on its own host) and beat, on the production settings, sharing PostgreSQL, Redis
and an S3 bucket, take a burst of work at once: 200 applications by mail through a real IMAP server,
50 decisions posted to both web processes at once and released from both, one payment batch paid
from both, and lab rounds against real agents. Afterwards nothing is lost and nothing is doubled,
counted from the database, the SMTP sink, the IMAP folder and the bucket. About a minute and a half."""

from __future__ import annotations

import imaplib
import os
import secrets
import threading
import time
from collections import Counter
from datetime import date
from decimal import Decimal

import boto3
import pytest
import redis
import requests
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.utils import timezone

from applications.models import Application, ApplicationEvent, Decision, Document, InboundMessage, OutboundMessage
from applications.services import create_application
from grants.models import Installment, Payment, PaymentBatch
from grants.payments import batches
from grants.payments.installments import mark_due
from grants.services import approve_grant, propose_grant
from program.cohorts import pairs
from program.cohorts.curriculum import import_curriculum, load_file, map_program_days
from program.models import LabMachine, LabReport, Role
from program.services import enroll, generate_program_days
from tests.conftest import IN_CI, activate_totp, make_person
from tests.factories import CallFactory, CohortFactory, UserFactory, bank_details
from tests.fixtures.mail.make_corpus import base, pdf, with_file
from tests.servers import dovecot as imap_server
from tests.servers.cluster import HTTPS, Cluster
from tests.servers.labagents import SAMPLE, Agent, run_day
from tests.servers.s3 import S3Server
from tests.servers.smtp import SmtpSink

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
MAILS, DECISIONS, GRANTS = 200, 50, 12
BUCKET = "runway-scale"
BROKER_DB = 10 + os.getpid() % 2  # prod-check uses 12 and 13
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture
def servers(tmp_path):
    if not imap_server.available():
        if IN_CI:
            pytest.fail("Dovecot is required under CI=true (apt-get install dovecot-imapd)", pytrace=False)
        pytest.skip("Dovecot not installed (apt-get install dovecot-imapd)")
    for key, value in CREDENTIALS.items():
        os.environ.setdefault(key, value)
    mailbox, s3 = imap_server.Dovecot().start(), S3Server().start()
    boto3.client("s3", endpoint_url=s3.endpoint).create_bucket(Bucket=BUCKET)
    agents = [Agent(tmp_path / f"m{n}") for n in range(1, 5)]  # one machine per pair
    with SmtpSink() as sink:
        yield {"imap": mailbox, "s3": s3, "smtp": sink, "agents": agents, "lab": tmp_path}
    for agent in agents:
        agent.stop()
    s3.stop()
    mailbox.stop()


def _cluster_env(servers) -> dict[str, str]:
    redis.Redis(host="127.0.0.1", port=6379, db=BROKER_DB).flushdb()  # no task left by an earlier run
    db = connection.settings_dict
    return {
        **CREDENTIALS,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "False",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BEHIND_TLS_PROXY": "True",
        "SECURE_SSL_REDIRECT": "True",
        "SESSION_COOKIE_SECURE": "True",
        "CSRF_COOKIE_SECURE": "True",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{BROKER_DB}",
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "STORAGE_URL": f"s3://{BUCKET}/private?endpoint={servers['s3'].endpoint}&region=us-east-1",
        "EMAIL_URL": f"smtp://127.0.0.1:{servers['smtp'].port}",
        "INBOUND_IMAP_URLS": servers["imap"].url(call="scale-grants"),
        "INBOUND_IMAP_POLL_SECONDS": "1",
        "LAB_PULL_INTERVAL_SECONDS": "2",
        "STATIC_MANIFEST": "False",
        "LOG_FORMAT": "json",
    }


def _people_and_work(servers) -> dict:
    """What the burst acts on, written before the processes start: a call that takes mail, 50 received
    applications to decide, a batch of due installments, and four pairs whose agents hold reports."""
    CallFactory(slug="scale-grants", name="Scale grants", kind="grant")
    decide = CallFactory(slug="scale-decide", name="Scale decide")
    organizer = make_person("olive.organizer@example.org", Role.ORGANIZER, full_name="Olive Organizer")
    payer = make_person("pat.payer@example.org", Role.ORGANIZER, full_name="Pat Payer")
    for person in (organizer, payer):
        activate_totp(person)
    payer.user_permissions.add(Permission.objects.get(codename="make_payments"))
    decided = [
        create_application(decide, UserFactory(email=f"d{n}@example.org"), source="web") for n in range(DECISIONS)
    ]
    for _ in range(GRANTS):
        grantee = UserFactory()
        bank_details(grantee)
        grant = propose_grant(
            grantee, monthly_stipend=Decimal("2500"), start_date=date(2026, 1, 31), months=3, currency="EUR"
        )
        approve_grant(grant, by=organizer)
        grant.checkins.update(submitted_at=timezone.now())
    mark_due(date(2026, 2, 28))
    batch, _, held = batches.create_batch(by=payer, currency="EUR")
    assert batch is not None and not any(held.values())
    return {"organizer": organizer, "payer": payer, "decided": decided, "batch": batch, "groups": _lab(servers)}


def _lab(servers) -> list:
    cohort = CohortFactory(name="Scale", slug="scale")
    generate_program_days(cohort)
    cohort.curriculum, _ = import_curriculum(load_file(SAMPLE / "curriculum.toml"))
    cohort.save()
    map_program_days(cohort, cohort.curriculum)
    for n in range(8):
        enroll(cohort, make_person(f"p{n}@example.org", full_name=f"P{n}"), role=Role.PARTICIPANT)
    machines = [
        LabMachine.objects.create(name=f"m{n + 1}", url=a.url, token=a.token) for n, a in enumerate(servers["agents"])
    ]
    day = cohort.days.order_by("date").first()
    pairs.generate(cohort, from_day=day.date)
    folders = {m.pk: servers["lab"] / f"m{n}" for n, m in enumerate(machines, start=1)}
    groups = list(day.groups.all())
    for group in groups:
        run_day(folders[group.machine_id], group.workspace, "day1", "good")
    return groups


def _mail(n: int) -> bytes:
    msg = base(n, sender=f"Applicant {n} <applicant{n}@example.org>", subject=f"Grant application {n}",
               message_id=f"<scale-{n}@example.org>")  # fmt: skip
    return with_file(
        msg, "My resume is attached.", pdf(f"Applicant {n} resume"), f"resume-{n}.pdf", subtype="pdf"
    ).as_bytes()


class Web:
    """Signed-in POSTs to the web processes, as a browser behind the TLS proxy sends them."""

    def __init__(self, user) -> None:
        client = Client()
        client.force_login(user)
        self.session, self.csrf = client.cookies["sessionid"].value, secrets.token_hex(16)

    def post(self, base_url: str, path: str, data: dict) -> requests.Response:
        headers = {**HTTPS, "Origin": base_url.replace("http://", "https://"), "Referer": f"{base_url}{path}",
                   "Cookie": f"sessionid={self.session}; csrftoken={self.csrf}"}  # fmt: skip
        return requests.post(f"{base_url}{path}", data={**data, "csrfmiddlewaretoken": self.csrf}, headers=headers,
                             allow_redirects=False, timeout=60)  # fmt: skip

    def get(self, base_url: str, path: str) -> requests.Response:
        headers = {**HTTPS, "Cookie": f"sessionid={self.session}"}
        return requests.get(f"{base_url}{path}", headers=headers, allow_redirects=False, timeout=60)


def _at_once(calls) -> list:
    """Run each call on its own thread, released together; their results in order."""
    results: list = [None] * len(calls)
    gate = threading.Barrier(len(calls))

    def run(i, call):
        gate.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def _append_mail(server, numbers) -> None:
    conn = imaplib.IMAP4("127.0.0.1", server.port)
    conn.login(imap_server.USER, imap_server.PASSWORD)
    for n in numbers:
        assert conn.append("INBOX", None, None, _mail(n))[0] == "OK"
    conn.logout()


def _wait_for(done, cluster: Cluster, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        cluster.check_alive()
        time.sleep(1)
    raise AssertionError(f"the burst did not finish in {timeout} s\n{cluster.logs()}")


def _settled(work) -> bool:
    outbound = OutboundMessage.objects.filter(kind__in=["application-received", "decision-rejected"])
    return (
        InboundMessage.objects.exclude(outcome="pending").count() >= MAILS
        and outbound.filter(state="sent").count() == MAILS + DECISIONS
        and LabReport.objects.filter(day_key="day1").count() == len(work["groups"])
    )


@pytest.mark.django_db(transaction=True)
def test_two_webs_and_two_workers_take_a_burst_with_nothing_lost_or_doubled(servers):
    work = _people_and_work(servers)
    cluster = Cluster(_cluster_env(servers)).start()
    try:
        organizer, payer = Web(work["organizer"]), Web(work["payer"])
        ids = [a.pk for a in work["decided"]]
        one, two = cluster.web_urls
        batch_path = f"/grants/payments/batches/{work['batch'].pk}/"
        posted = _at_once([
            lambda: _append_mail(servers["imap"], range(0, MAILS, 2)),
            lambda: _append_mail(servers["imap"], range(1, MAILS, 2)),
            lambda: organizer.post(one, "/applications/calls/scale-decide/bulk/", {"action": "rejected", "ids": ids}),
            lambda: organizer.post(two, "/applications/calls/scale-decide/bulk/", {"action": "rejected", "ids": ids}),
            lambda: payer.post(one, batch_path, {"reference": "BANK-SCALE-1"}),
            lambda: payer.post(two, batch_path, {"reference": "BANK-SCALE-1"}),
        ])  # fmt: skip
        released = _at_once(
            [lambda u=url: organizer.post(u, "/applications/outbox/", {"all": "1"}) for url in (one, two)]
        )
        _wait_for(lambda: _settled(work), cluster)
        time.sleep(3)  # a late duplicate would show up now
        document = Document.objects.filter(application__call__slug="scale-grants").select_related("application").first()
        fetched = organizer.get(two, f"/applications/{document.application_id}/documents/{document.pk}/")
    finally:
        cluster.stop()

    assert [r.status_code for r in posted[2:]] == [302] * 4 and [r.status_code for r in released] == [302] * 2
    _assert_mail_taken_once(servers)
    _assert_decided_once(work, servers)
    _assert_paid_once(work)
    _assert_files_in_the_bucket_once(servers, document, fetched)
    assert sorted(LabReport.objects.values_list("workspace", "day_key")) == sorted(
        (g.workspace, "day1") for g in work["groups"]
    )
    logs = {name: log.read_text() for name, _, log in cluster.processes}
    assert all("succeeded in" in logs[w] for w in ("worker1", "worker2")), "both workers took tasks"


def _assert_mail_taken_once(servers) -> None:
    applications = Application.objects.filter(call__slug="scale-grants")
    assert applications.count() == MAILS
    assert sorted(applications.values_list("applicant__email", flat=True)) == sorted(
        f"applicant{n}@example.org" for n in range(MAILS)
    )
    outcomes = Counter(InboundMessage.objects.values_list("outcome", flat=True))
    assert outcomes == {"application_created": MAILS}, "each mail fetched once: one poll per mailbox at a time"
    assert InboundMessage.objects.values("message_id").distinct().count() == MAILS
    conn = imaplib.IMAP4("127.0.0.1", servers["imap"].port)
    conn.login(imap_server.USER, imap_server.PASSWORD)
    conn.select("INBOX")
    flagged = conn.uid("SEARCH", None, "KEYWORD", "$RunwayIngested")[1][0].split()
    conn.logout()
    assert len(flagged) == MAILS


def _assert_decided_once(work, servers) -> None:
    decided = {a.pk for a in work["decided"]}
    assert Decision.objects.filter(application__in=decided).count() == DECISIONS
    events = ApplicationEvent.objects.filter(application__in=decided, to_state="rejected")
    assert sorted(events.values_list("application_id", flat=True)) == sorted(decided)
    received = servers["smtp"].handler.messages
    ids = Counter(m["Message-ID"] for m in received)
    assert ids and max(ids.values()) == 1, "no message went out twice"
    assert len(received) == OutboundMessage.objects.filter(state="sent").count()
    to = Counter(m["To"] for m in received)
    assert all(to[f"d{n}@example.org"] == 1 for n in range(DECISIONS))
    assert all(to[f"applicant{n}@example.org"] == 1 for n in range(MAILS))


def _assert_paid_once(work) -> None:
    members = set(PaymentBatch.objects.get(pk=work["batch"].pk).installments.values_list("pk", flat=True))
    payments = Counter(Payment.objects.values_list("installment_id", flat=True))
    assert set(payments) == members and max(payments.values()) == 1
    assert set(Installment.objects.filter(pk__in=members).values_list("state", flat=True)) == {"paid"}


def _assert_files_in_the_bucket_once(servers, document, fetched) -> None:
    client = boto3.client("s3", endpoint_url=servers["s3"].endpoint)
    keys = [
        o["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        for o in page.get("Contents", [])
    ]
    named = [f"private/{m.raw.name}" for m in InboundMessage.objects.all()]
    named += [f"private/{d.file.name}" for d in Document.objects.exclude(file="")]
    assert sorted(keys) == sorted(set(named)), "every file a row names is in the bucket, and nothing else"
    assert fetched.status_code == 200 and fetched.headers["Content-Disposition"].startswith("attachment")
    assert fetched.content == client.get_object(Bucket=BUCKET, Key=f"private/{document.file.name}")["Body"].read()
