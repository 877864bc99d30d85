"""Importing a bank statement: every booked transaction matched to an installment and recorded once.

The raw file is stored first (one `BankStatement` per distinct file). Then, under one lock per
database (imports run one at a time; the payment guards hold regardless), each transaction whose
key was never seen:

- a **debit** is matched by its EndToEndId, else by an installment reference in the remittance text.
  Same amount and currency: the installment is paid (one `Payment`, the entry recorded with it), or
  it already was (`already_paid`). A different amount or currency is flagged for a person, not paid.
  No installment: listed as unmatched, for a person to resolve or dismiss.
- a **credit** quoting an installment (a return: reason code such as AC04, or Wise's refund) returns
  that payment: a negative ledger row, the installment held as a new attempt, the grantee asked for
  new details. Other credits are ignored.

A transaction seen before writes nothing and is reported by where it stands.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction

from grants.models import BankStatement, Installment, InstallmentState, Payment, PaymentBatch, StatementEntry
from grants.models.payments import REFERENCE
from program.bulk import collector_paused
from program.models import User
from program.statemachine import change_states

from .batches import PAYABLE, record_return, return_installment
from .statements import Entry, parse
from .states import INSTALLMENTS

Outcome = StatementEntry.Outcome
RETURN_REASONS = {
    "AC01": "incorrect account number",
    "AC04": "closed account",
    "AC06": "blocked account",
    "AG01": "transaction forbidden on this account",
    "AG02": "invalid bank operation code",
    "AM04": "insufficient funds",
    "AM05": "duplicate payment",
    "BE04": "missing creditor address",
    "MD07": "the account holder has died",
    "MS02": "refused by the account holder",
    "MS03": "reason not given by the bank",
    "RC01": "bank identifier incorrect",
    "RR01": "missing debtor account or identification",
    "FOCR": "returned after a cancellation request",
}
LOCK = 0x52554E57  # "RUNW": pg_advisory_xact_lock key for statement imports


def import_statement(raw: bytes, *, filename: str = "", by: User | None = None) -> dict:
    """Read, store and apply a statement; returns the report of the `import_statement` command."""
    with collector_paused():
        statement = parse(raw)  # NotAStatement: nothing written
    stored = _store(raw, statement.format, filename, by)
    with collector_paused(), transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        seen = {e.key: e for e in StatementEntry.objects.filter(key__in=[x.key for x in statement.entries])}
        fresh, report, claimed = [], _empty_report(statement), set()
        for entry in statement.entries:
            if entry.key in seen:
                _report_seen(seen[entry.key], report)
            elif entry.key in claimed:  # the same transaction twice in one file
                report["seen_before"] += 1
            else:
                claimed.add(entry.key)
                fresh.append(entry)
        rows = _apply(fresh, stored, by, report)
        StatementEntry.objects.bulk_create(rows, batch_size=1000)
        stored.summary = report
        stored.save(update_fields=["summary"])
    return report


def _store(raw: bytes, fmt: str, filename: str, by: User | None) -> BankStatement:
    digest = hashlib.sha256(raw).hexdigest()
    existing = BankStatement.objects.filter(sha256=digest).first()
    if existing:
        return existing
    statement = BankStatement(sha256=digest, format=fmt, filename=filename[:255], imported_by=by)
    statement.file.save("statement", ContentFile(raw), save=False)
    try:
        with transaction.atomic():
            statement.save()
    except IntegrityError:  # the same file imported at the same moment
        statement.file.delete(save=False)
        return BankStatement.objects.get(sha256=digest)
    return statement


def _empty_report(statement) -> dict:
    return {
        "format": statement.format,
        "entries": len(statement.entries),
        "matched": 0,
        "already_paid": 0,
        "returned": 0,
        "amount_mismatch": 0,
        "unmatched": [],
        "ignored": 0,
        "seen_before": 0,
        "pending": statement.pending,
    }


def _report_seen(row: StatementEntry, report: dict) -> None:
    report["seen_before"] += 1
    if row.outcome in (Outcome.MATCHED, Outcome.ALREADY_PAID):
        report["already_paid"] += 1
    elif row.outcome == Outcome.AMOUNT_MISMATCH and row.resolution == StatementEntry.Resolution.OPEN:
        report["amount_mismatch"] += 1
    elif row.outcome == Outcome.UNMATCHED and row.resolution == StatementEntry.Resolution.OPEN:
        report["unmatched"].append(
            _unmatched(row.end_to_end_id, row.remittance, row.bank_reference, row.amount, row.currency)
        )


def _unmatched(e2e: str, remittance: str, bank_ref: str, amount: Decimal, currency: str) -> dict:
    return {"reference": e2e or remittance[:140] or bank_ref, "amount": f"{amount:.2f}", "currency": currency}


def _reference(entry: Entry) -> tuple[int, int] | None:
    match = REFERENCE.fullmatch(entry.end_to_end_id.strip()) or REFERENCE.search(entry.remittance)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _apply(entries: list[Entry], stored: BankStatement, by: User | None, report: dict) -> list[StatementEntry]:
    refs = {e.key: _reference(e) for e in entries}
    installments = Installment.objects.in_bulk({r[0] for r in refs.values() if r})
    rows, to_pay, credits = [], {}, []
    for entry in entries:  # debits first, so a payment and its return in one statement both count
        ref = refs[entry.key]
        installment = installments.get(ref[0]) if ref else None
        row = _row(entry, stored, installment)
        rows.append(row)
        if not entry.debit:
            credits.append((entry, row, installment, ref))
        elif installment is None or ref[1] > installment.attempt:
            _flag(row, Outcome.UNMATCHED, report)
        elif entry.amount != installment.amount or entry.currency != installment.currency:
            _flag(row, Outcome.AMOUNT_MISMATCH, report)
        elif ref[1] == installment.attempt and installment.state in PAYABLE and installment.pk not in to_pay:
            to_pay[installment.pk] = row
        else:
            _already_paid(row, installment, ref[1], report)
    _pay(to_pay, by, report, stored)
    for entry, row, installment, ref in credits:
        if installment is not None:
            installment.refresh_from_db()
        _credit(entry, row, installment, ref, by, report)
    return rows


def _row(entry: Entry, stored: BankStatement, installment: Installment | None) -> StatementEntry:
    return StatementEntry(
        statement=stored, key=entry.key, debit=entry.debit, amount=entry.amount, currency=entry.currency,
        booked_on=entry.booked_on, end_to_end_id=entry.end_to_end_id[:100], remittance=entry.remittance[:500],
        bank_reference=entry.bank_reference[:100], counterparty=entry.counterparty[:200],
        return_code=entry.return_code[:10], return_reason=entry.return_reason[:300], installment=installment,
        outcome=Outcome.IGNORED,
    )  # fmt: skip


def _flag(row: StatementEntry, outcome: str, report: dict) -> None:
    row.outcome, row.resolution = outcome, StatementEntry.Resolution.OPEN
    if outcome == Outcome.UNMATCHED:
        row.installment = None
        report["unmatched"].append(
            _unmatched(row.end_to_end_id, row.remittance, row.bank_reference, row.amount, row.currency)
        )
    else:
        report[outcome] += 1


def _already_paid(row: StatementEntry, installment: Installment, attempt: int, report: dict) -> None:
    payment = Payment.objects.filter(installment=installment, attempt=attempt, kind=Payment.Kind.PAID).first()
    if payment is None:  # paid by the bank, but Runway has it cancelled or on hold: a person decides
        _flag(row, Outcome.UNMATCHED, report)
        row.resolution_note = f"installment {installment.reference} is {installment.get_state_display().lower()}"
        return
    row.outcome, row.payment = Outcome.ALREADY_PAID, payment
    report["already_paid"] += 1


def _pay(to_pay: dict[int, StatementEntry], by: User | None, report: dict, stored: BankStatement) -> None:
    """Pay every matched installment at once: one conditional state change (locked rows in a payable
    state only), one insert of payments, each under the one-paid-row-per-attempt constraint."""
    if not to_pay:
        return
    moved = change_states(
        Installment.objects.filter(pk__in=list(to_pay)), to=InstallmentState.PAID, by=by, machine=INSTALLMENTS,
        note=f"paid: bank statement #{stored.pk}",
    )  # fmt: skip
    batches = dict(
        PaymentBatch.installments.through.objects.filter(
            installment_id__in=moved, paymentbatch__exported_at__isnull=False
        )
        .order_by("paymentbatch_id")
        .values_list("installment_id", "paymentbatch_id")
    )
    paid = Payment.objects.bulk_create(
        [
            Payment(
                installment_id=pk,
                attempt=to_pay[pk].installment.attempt,
                batch_id=batches.get(pk),
                kind=Payment.Kind.PAID,
                amount=to_pay[pk].amount,
                currency=to_pay[pk].currency,
                reference=(to_pay[pk].bank_reference or f"statement #{stored.pk}")[:200],
                idempotency_key=f"pay:{pk}:{to_pay[pk].installment.attempt}",
                recorded_by=by,
            )  # fmt: skip
            for pk in moved
        ]
    )
    for payment in paid:
        to_pay[payment.installment_id].payment = payment
        to_pay[payment.installment_id].outcome = Outcome.MATCHED
    report["matched"] += len(paid)
    moved = set(moved)
    for pk, row in to_pay.items():
        if pk not in moved:
            _already_paid(row, row.installment, row.installment.attempt, report)


def _credit(entry: Entry, row: StatementEntry, installment, ref, by: User | None, report: dict) -> None:
    if installment is None:
        if entry.return_code:
            _flag(row, Outcome.UNMATCHED, report)
        else:
            report["ignored"] += 1
        return
    reason = f"{entry.return_code} {RETURN_REASONS.get(entry.return_code, '')}".strip()
    reason = ", ".join(filter(None, [reason, entry.return_reason])) or "returned"
    payment = Payment.objects.filter(installment=installment, attempt=ref[1], kind=Payment.Kind.PAID).first()
    if payment is not None and installment.state == InstallmentState.PAID and installment.attempt == ref[1]:
        record_return(payment, by=by, reason=reason)
        row.payment = payment
    elif not (
        installment.state == InstallmentState.EXPORTED
        and installment.attempt == ref[1]
        and return_installment(installment, by=by, reason=reason, claim_from=InstallmentState.EXPORTED)
    ):
        _flag(row, Outcome.UNMATCHED, report)
        row.resolution_note = f"a return for {installment.reference}, which is not paid"
        return
    row.outcome = Outcome.RETURNED
    report["returned"] += 1
