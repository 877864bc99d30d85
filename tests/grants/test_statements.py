"""Bank statements: camt.053 (.001.02 and .001.08) and Wise CSV mark matched installments paid exactly
once; importing again, or an overlapping statement, writes nothing; returns hold the installment and ask
the grantee for new details; mismatches and strangers are listed for a person; hostile files are refused
with one line and nothing written (the `import_statement` contract)."""

import json
import subprocess
import sys
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from demo import bank
from grants.models import BankStatement, Installment, Payment, StatementEntry
from grants.payments import batches, exporting
from grants.payments.installments import mark_due
from grants.payments.reconcile import import_statement
from grants.payments.statements import NotAStatement, parse
from grants.services import approve_grant, propose_grant
from program.models import StateEvent
from tests.factories import UserFactory, bank_details

ROOT = Path(__file__).resolve().parents[2]
BOOKED = date(2026, 1, 22)


def _exported(organizer, payer, n=3, currency="EUR", fmt="sepa", **details):
    """n grants with a due installment each, batched and exported: (batch, the bank's debits for it)."""
    for k in range(n):
        grantee = UserFactory(full_name=f"Grantee {k}")
        bank_details(grantee, **details)
        grant = propose_grant(
            grantee, monthly_stipend=Decimal("2000") + k, start_date=date(2026, 1, 15), currency=currency
        )
        approve_grant(grant, by=organizer)
    mark_due(date(2026, 1, 20))
    batch, _, _ = batches.create_batch(by=payer, currency=currency)
    content = exporting.file_bytes(exporting.export_file(batch, fmt, by=payer))
    return batch, (bank.executed(content, BOOKED) if fmt == "sepa" else bank.wise_executed(content, BOOKED))


def _rows() -> tuple:
    return (
        Payment.objects.count(),
        StatementEntry.objects.count(),
        StateEvent.objects.count(),
        BankStatement.objects.count(),
        Installment.objects.filter(state="paid").count(),
    )


@pytest.mark.parametrize("version", ["08", "02"])
def test_a_statement_pays_each_installment_once_and_importing_it_again_writes_nothing(organizer, payer, version):
    batch, debits = _exported(organizer, payer)
    raw = bank.camt053(debits, version=version)

    first = import_statement(raw, filename="s.xml", by=payer)
    after_first = _rows()
    second = import_statement(raw, filename="s.xml", by=payer)

    assert first == {
        "format": f"camt.053.001.{version}", "entries": 3, "matched": 3, "already_paid": 0, "returned": 0,
        "amount_mismatch": 0, "unmatched": [], "ignored": 0, "seen_before": 0, "pending": 0,
    }  # fmt: skip
    assert (second["matched"], second["already_paid"], second["seen_before"]) == (0, 3, 3)
    assert _rows() == after_first and after_first[0] == 3 and after_first[4] == 3
    entry = StatementEntry.objects.get(end_to_end_id=debits[0].end_to_end_id)
    assert (entry.outcome, entry.payment.kind, entry.payment.batch_id, entry.payment.recorded_by) == (
        "matched",
        "paid",
        batch.pk,
        payer,
    )


def test_an_overlapping_statement_adds_only_what_is_new(organizer, payer):
    _, debits = _exported(organizer, payer, n=3)
    import_statement(bank.camt053(debits[:2], statement_id="MON"))
    before = Payment.objects.count()

    report = import_statement(bank.camt053(debits[1:], statement_id="TUE"))

    assert before == 2 and Payment.objects.count() == 3
    assert (report["matched"], report["already_paid"], report["seen_before"]) == (1, 1, 1)


def test_a_debit_without_end_to_end_id_is_matched_by_the_reference_in_the_remittance(organizer, payer):
    _, debits = _exported(organizer, payer, n=1)
    debits[0].remittance, debits[0].end_to_end_id = f"STIPEND / ref {debits[0].end_to_end_id} / thanks", ""

    report = import_statement(bank.camt053(debits))

    assert report["matched"] == 1 and Installment.objects.get(number=1).state == "paid"


def test_a_different_amount_or_currency_is_flagged_not_paid_and_strangers_are_listed(client, organizer, payer):
    _, debits = _exported(organizer, payer, n=2)
    debits[0].amount += Decimal("0.01")
    debits[1].currency = "USD"
    fee = bank.BankEntry(Decimal("1.50"), "EUR", booked_on=BOOKED, remittance="Account fee", bank_reference="FEE-1")
    income = bank.BankEntry(
        Decimal("50000"), "EUR", debit=False, booked_on=BOOKED, remittance="Funding", bank_reference="IN-1"
    )

    report = import_statement(bank.camt053([*debits, fee, income]))
    client.force_login(payer)
    page = client.get(reverse("grants:statements")).content.decode()
    flagged = StatementEntry.objects.get(outcome="amount_mismatch", currency="EUR")
    client.post(
        reverse("grants:statement-entry", kwargs={"pk": flagged.pk, "action": "dismiss"}), {"reason": "bank fee added"}
    )

    assert (report["matched"], report["amount_mismatch"], report["ignored"]) == (0, 2, 1)
    assert report["unmatched"] == [{"reference": "Account fee", "amount": "1.50", "currency": "EUR"}]
    assert Payment.objects.count() == 0 and set(
        Installment.objects.filter(number=1).values_list("state", flat=True)
    ) == {"exported"}
    assert "Amount or currency differs" in page and "No installment found" in page
    flagged.refresh_from_db()
    assert (flagged.resolution, flagged.resolved_by, flagged.resolution_note) == ("dismissed", payer, "bank fee added")


def test_a_return_holds_the_installment_and_asks_for_new_details(organizer, payer, django_capture_on_commit_callbacks):
    _, debits = _exported(organizer, payer, n=1)
    returned = bank.BankEntry(Decimal("2000"), "EUR", debit=False, booked_on=BOOKED, end_to_end_id=debits[0].end_to_end_id,
                              bank_reference="RET-1", return_code="AC04", return_info="Konto aufgeloest")  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        report = import_statement(bank.camt053([*debits, returned], version="02"))
        again = import_statement(bank.camt053([returned], version="08"))  # the same return in another statement
    installment = Installment.objects.get(number=1)

    assert (report["matched"], report["returned"], again["returned"]) == (1, 1, 0)
    assert list(Payment.objects.order_by("pk").values_list("kind", "amount")) == [
        ("paid", Decimal("2000.00")),
        ("returned", Decimal("-2000.00")),
    ]
    assert (installment.state, installment.hold_reason, installment.attempt) == ("held", "returned", 1)
    assert installment.state_note == "returned by the bank: AC04 closed account, Konto aufgeloest"
    assert installment.grant.grantee.payout_details.confirmed_at is None
    assert [m.subject for m in mail.outbox] == ["Your stipend came back from the bank: please check your bank details"]


def test_a_wise_statement_pays_and_a_wise_refund_returns(organizer, payer):
    _, debits = _exported(
        organizer, payer, n=2, currency="USD", fmt="wise", method="wise", iban="", wise_email="x@wise.example"
    )
    refund = bank.BankEntry(debits[1].amount, "USD", debit=False, booked_on=BOOKED, end_to_end_id=debits[1].end_to_end_id,
                            remittance="Refund: recipient account closed", bank_reference="TRANSFER-RET")  # fmt: skip

    report = import_statement(bank.wise_statement([*debits, refund]))

    assert (report["format"], report["matched"], report["returned"]) == ("wise-csv", 2, 1)
    assert sorted(Installment.objects.filter(number=1).values_list("state", flat=True)) == ["held", "paid"]


def test_pending_entries_are_not_booked_and_batch_booked_transactions_each_count():
    raw = b"""<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
    <GrpHdr><MsgId>M</MsgId><CreDtTm>2026-01-22T08:00:00</CreDtTm></GrpHdr><Stmt><Id>S</Id>
    <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
    <Ntry><Amt Ccy="EUR">300.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-01-22</Dt></BookgDt>
      <AcctSvcrRef>BATCH-9</AcctSvcrRef><BkTxCd/><NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>
      <TxDtls><Refs><EndToEndId>RUNWAY-I1-0</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">100.00</Amt></TxAmt></AmtDtls></TxDtls>
      <TxDtls><Refs><EndToEndId>RUNWAY-I2-0</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">200.00</Amt></TxAmt></AmtDtls></TxDtls>
    </NtryDtls></Ntry>
    <Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>PDNG</Sts><BkTxCd/></Ntry>
    </Stmt></BkToCstmrStmt></Document>"""

    statement = parse(raw)

    assert statement.format == "camt.053.001.02" and statement.pending == 1
    assert [(e.end_to_end_id, e.amount, e.debit) for e in statement.entries] == [
        ("RUNWAY-I1-0", Decimal("100.00"), True),
        ("RUNWAY-I2-0", Decimal("200.00"), True),
    ]
    assert len({e.key for e in statement.entries}) == 2


HOSTILE = {
    "not XML or CSV": (b"\x00\x01\x02 binary", "not a camt.053 statement or a Wise statement CSV"),
    "another namespace": (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', "namespace"),
    "entity expansion": (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&b;</Document>',
        "DTD or entities",
    ),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&x;</Document>',
        "DTD or entities",
    ),
    "broken XML": (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>',
        "not well-formed",
    ),
    "a bad amount": (
        bank.camt053([bank.BankEntry(Decimal("1"), "EUR", booked_on=BOOKED)]).replace(b">1.00<", b">1,0x<"),
        "not a number",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_file_that_is_not_a_statement_is_refused_and_nothing_is_written(db, case):
    raw, reason = HOSTILE[case]
    before = _rows()

    with pytest.raises(NotAStatement, match=reason):
        import_statement(raw)

    assert _rows() == before


def test_the_import_statement_command_keeps_its_contract(db, tmp_path, capsys):
    good, big, bad = tmp_path / "good.xml", tmp_path / "big.xml", tmp_path / "bad.xml"
    good.write_bytes(
        bank.camt053([bank.BankEntry(Decimal("9.99"), "EUR", booked_on=BOOKED, end_to_end_id="SOMEONE-ELSE")])
    )
    big.write_bytes(b"<" + b" " * (50 * 1024 * 1024))
    bad.write_bytes(HOSTILE["external entity"][0])
    env = {
        "DJANGO_SETTINGS_MODULE": "config.test_settings", "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'never-opened.sqlite3'}",  # refused before any query
    }  # fmt: skip

    call_command("import_statement", str(good), "--json")
    report = json.loads(capsys.readouterr().out)
    too_big, refused = (
        subprocess.run(
            [sys.executable, "manage.py", "import_statement", str(path), "--json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )  # fmt: skip
        for path in (big, bad)
    )

    assert list(report) == [
        "format",
        "entries",
        "matched",
        "already_paid",
        "returned",
        "amount_mismatch",
        "unmatched",
        "ignored",
        "seen_before",
        "pending",
    ]
    assert (report["format"], report["entries"], report["matched"]) == ("camt.053.001.08", 1, 0)
    assert report["unmatched"] == [{"reference": "SOMEONE-ELSE", "amount": "9.99", "currency": "EUR"}]
    for result, why in ((too_big, "over 50 MB"), (refused, "DTD or entities")):
        assert (result.returncode, result.stdout) == (2, "")
        assert len(result.stderr.strip().splitlines()) == 1 and why in result.stderr, result.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_pay_each_installment_once(organizer, payer):
    _, debits = _exported(organizer, payer, n=4)
    files = [
        bank.camt053(debits, statement_id="A"),
        bank.camt053(debits[1:], statement_id="B"),
        bank.camt053(debits, version="02"),
    ]
    reports, barrier = [], threading.Barrier(6)

    def run(raw):
        barrier.wait()
        try:
            reports.append(import_statement(raw))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(files[k % 3],)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert len(reports) == 6 and sum(r["matched"] for r in reports) == 4
    assert Payment.objects.count() == 4 and Installment.objects.filter(state="paid").count() == 4
