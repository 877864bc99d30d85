"""Payouts at size: 10,000 installments into one XSD-checked pain.001 file, a camt.053 statement of 10,000
entries imported (and imported again: 0 rows written)."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from demo import bank
from grants.models import (
    BankStatement,
    Grant,
    Installment,
    Payment,
    PaymentBatch,
    PayoutDetails,
    PayoutFile,
    StatementEntry,
)
from grants.payments import batches, exporting, vault
from grants.payments.reconcile import import_statement
from program.models import StateEvent, User

from .harness import Row

N = 10_000


def _due_with_details(n: int) -> None:
    people = User.objects.bulk_create(
        User(email=f"payee{i}@bench.example", full_name=f"Bench Payee {i}") for i in range(n)
    )
    iban = "DE89370400440532013000"
    PayoutDetails.objects.bulk_create(
        PayoutDetails(
            grantee=p,
            method="iban",
            sealed=vault.seal({"holder": p.full_name, "iban": iban}),
            last4=iban[-4:],
            confirmed_at=timezone.now(),
        )  # fmt: skip
        for p in people
    )
    grants = Grant.objects.bulk_create(
        Grant(
            grantee=p,
            monthly_stipend=Decimal("2500.00") + i % 100,
            months=1,
            currency="EUR",
            start_date=date(2026, 1, 1) + timedelta(days=i % 28),
            state="active",
        )  # fmt: skip
        for i, p in enumerate(people)
    )
    Installment.objects.bulk_create(
        (
            Installment(grant=g, number=1, due_on=g.start_date, amount=g.monthly_stipend, currency="EUR", state="due")
            for g in grants
        ),
        batch_size=5000,
    )


def _rows_written() -> int:
    return sum(m.objects.count() for m in (Payment, StatementEntry, StateEvent, BankStatement, PayoutFile))


def run() -> list[Row]:
    call_command("flush", "--no-input", verbosity=0)
    _due_with_details(N)

    started = time.perf_counter()
    batch, _, _ = batches.create_batch(by=None, currency="EUR")
    batch_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    made = exporting.export_file(batch, "sepa", by=None)
    export_ms = (time.perf_counter() - started) * 1000
    content = exporting.file_bytes(made)
    statement = bank.camt053(bank.executed(content, date(2026, 2, 2)))

    started = time.perf_counter()
    report = import_statement(statement)
    import_ms = (time.perf_counter() - started) * 1000
    before = _rows_written()
    started = time.perf_counter()
    again = import_statement(statement)
    again_ms = (time.perf_counter() - started) * 1000
    written = _rows_written() - before

    assert made.installments == N and report["matched"] == N and again["already_paid"] == N
    return [
        Row(
            "payout batch (hold check, claim)",
            f"{N} installments",
            batch_ms,
            "",
            {"note": f"{PaymentBatch.objects.count()} batch"},
        ),
        Row(
            "SEPA pain.001.001.09 file (XSD-checked)",
            f"{N} transfers",
            export_ms,
            "",
            {"note": f"{len(content) / 1e6:.1f} MB"},
        ),
        Row("camt.053 import (pays each once)", f"{N} entries", import_ms, "", {"note": f"{report['matched']} paid"}),
        Row("camt.053 import again", f"{N} entries", again_ms, "", {"note": f"{written} rows written"}),
    ]
