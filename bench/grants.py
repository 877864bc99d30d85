"""Money at size: exporting 10,000 installments, the ledger at 1,000 grants, one grant letter PDF."""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from django.core.management import call_command
from django.test import Client
from weasyprint import HTML

from grants import letters
from grants.models import Grant, Installment, PaymentBatch
from grants.payments.formats import PAYOUT_FORMATS
from program.models import User

from .harness import Row, measure


def _grants(n: int, months: int) -> list[Grant]:
    people = User.objects.bulk_create(
        User(email=f"grantee{i}@bench.example", full_name=f"Bench Grantee {i}") for i in range(n)
    )
    grants = Grant.objects.bulk_create(
        Grant(
            grantee=p,
            monthly_stipend=Decimal("2500.00"),
            months=months,
            currency="EUR",
            start_date=date(2026, 1, 1) + timedelta(days=i % 28),
            state="active",
        )
        for i, p in enumerate(people)
    )
    Installment.objects.bulk_create(
        (
            Installment(
                grant=g,
                number=k + 1,
                due_on=g.start_date + timedelta(days=30 * k),
                amount=g.monthly_stipend,
                currency="EUR",
                state="due",
            )
            for g in grants
            for k in range(months)
        ),
        batch_size=5000,
    )
    return grants


def _timed(fn, repeat=5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run() -> list[Row]:
    call_command("flush", "--no-input", verbosity=0)
    call_command("seed_demo", "--quiet")
    organizer = User.objects.get(email="organizer@runway.test")
    _grants(2500, 4)  # 10,000 due installments
    batch = PaymentBatch.objects.create(created_by=organizer)
    batch.installments.set(Installment.objects.filter(state="due").values_list("pk", flat=True)[:10000])
    rows = [
        Row(
            "payment batch export (CSV)", "10000 installments", _timed(lambda: PAYOUT_FORMATS["csv"].listing(batch)), 1
        ),
        Row(
            "payment batch export (XLSX)",
            "10000 installments",
            _timed(lambda: PAYOUT_FORMATS["xlsx"].listing(batch), repeat=3),
            1,
        ),
    ]

    call_command("flush", "--no-input", verbosity=0)
    call_command("seed_demo", "--quiet")
    _grants(1000, 3)
    client = Client()
    client.force_login(User.objects.get(email="organizer@runway.test"))

    def ledger():
        assert client.get("/grants/ledger/").status_code == 200

    median_ms, queries, cpu_ms = measure(ledger, repeat=9)
    rows.append(Row("ledger page", f"{Grant.objects.count()} grants", median_ms, queries, {"CPU ms": f"{cpu_ms:.1f}"}))

    grant = Grant.objects.order_by("pk").last()
    html = letters.letter_html(grant)
    ours = _timed(lambda: letters.render_pdf(letters.letter_html(grant)), repeat=7)
    bare = _timed(lambda: HTML(string=html).write_pdf(), repeat=7)
    rows.append(
        Row(
            "grant letter PDF (ours: template + safe fetcher)", "1 letter", ours, "", {"vs bare": f"{ours / bare:.2f}x"}
        )
    )
    rows.append(Row("grant letter PDF (bare WeasyPrint, same HTML)", "1 letter", bare, ""))
    return rows
