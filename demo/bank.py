"""A pretend bank for the demo (and the tests): it "executes" a payout file and writes the statement a
real bank would send back, as ISO 20022 camt.053 (.001.08 or .001.02) or as a Wise statement CSV.

`BankEntry` is one booked transaction; `camt053()` and `wise_statement()` write them in the bank's
format, `executed()` turns a pain.001 file (or a Wise bulk CSV) into the debits a bank books for it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

PAIN_NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"


@dataclass
class BankEntry:
    amount: Decimal
    currency: str
    debit: bool = True
    booked_on: date | None = None
    end_to_end_id: str = ""
    remittance: str = ""
    bank_reference: str = ""
    counterparty: str = ""
    return_code: str = ""
    return_info: str = ""
    status: str = "BOOK"


def executed(pain: bytes, booked_on: date) -> list[BankEntry]:
    """The debits a bank books for a pain.001.001.09 file: one per credit transfer, its EndToEndId kept."""
    root, ns = ET.fromstring(pain), {"p": PAIN_NS}
    return [
        BankEntry(
            amount=Decimal(tx.findtext("p:Amt/p:InstdAmt", namespaces=ns)),
            currency=tx.find("p:Amt/p:InstdAmt", ns).get("Ccy"),
            booked_on=booked_on,
            end_to_end_id=tx.findtext("p:PmtId/p:EndToEndId", namespaces=ns),
            remittance=tx.findtext("p:RmtInf/p:Ustrd", default="", namespaces=ns),
            bank_reference=f"BANK-{booked_on:%Y%m%d}-{n:05d}",
            counterparty=tx.findtext("p:Cdtr/p:Nm", default="", namespaces=ns),
        )
        for n, tx in enumerate(root.iter(f"{{{PAIN_NS}}}CdtTrfTxInf"), start=1)
    ]


def _tx(entry: BankEntry, version: str) -> str:
    party = "Cdtr" if entry.debit else "Dbtr"
    name = f"<Nm>{escape(entry.counterparty)}</Nm>" if entry.counterparty else ""
    if version == "08":
        party_xml = f"<RltdPties><{party}><Pty>{name}</Pty></{party}></RltdPties>" if name else ""
        amount = f'<Amt Ccy="{entry.currency}">{entry.amount:.2f}</Amt><CdtDbtInd>{"DBIT" if entry.debit else "CRDT"}</CdtDbtInd>'
    else:
        party_xml = f"<RltdPties><{party}>{name}</{party}></RltdPties>" if name else ""
        amount = f'<AmtDtls><TxAmt><Amt Ccy="{entry.currency}">{entry.amount:.2f}</Amt></TxAmt></AmtDtls>'
    refs = "".join(
        f"<{tag}>{escape(value)}</{tag}>"
        for tag, value in (("AcctSvcrRef", entry.bank_reference), ("EndToEndId", entry.end_to_end_id or "NOTPROVIDED"))
        if value
    )
    remittance = f"<RmtInf><Ustrd>{escape(entry.remittance)}</Ustrd></RmtInf>" if entry.remittance else ""
    returned = (
        f"<RtrInf><Rsn><Cd>{entry.return_code}</Cd></Rsn>"
        + (f"<AddtlInf>{escape(entry.return_info)}</AddtlInf>" if entry.return_info else "")
        + "</RtrInf>"
        if entry.return_code
        else ""
    )
    return f"<TxDtls><Refs>{refs}</Refs>{amount}{party_xml}{remittance}{returned}</TxDtls>"


def camt053(
    entries: list[BankEntry], *, version: str = "08", iban: str = "DE89370400440532013000", statement_id: str = "STMT-1"
) -> bytes:
    """A bank-to-customer statement with these entries (one transaction each)."""
    items = []
    for entry in entries:
        status = f"<Sts><Cd>{entry.status}</Cd></Sts>" if version == "08" else f"<Sts>{entry.status}</Sts>"
        booked = f"<BookgDt><Dt>{entry.booked_on:%Y-%m-%d}</Dt></BookgDt>" if entry.booked_on else ""
        items.append(
            f'<Ntry><Amt Ccy="{entry.currency}">{entry.amount:.2f}</Amt><CdtDbtInd>{"DBIT" if entry.debit else "CRDT"}</CdtDbtInd>'
            f"{status}{booked}<BkTxCd/><NtryDtls>{_tx(entry, version)}</NtryDtls></Ntry>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">'
        f"<BkToCstmrStmt><GrpHdr><MsgId>{escape(statement_id)}</MsgId><CreDtTm>2026-12-01T08:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{escape(statement_id)}</Id><Acct><Id><IBAN>{iban}</IBAN></Id></Acct>{''.join(items)}</Stmt>"
        "</BkToCstmrStmt></Document>"
    ).encode()


WISE_STATEMENT_COLUMNS = [
    "TransferWise ID", "Date", "Amount", "Currency", "Description", "Payment Reference", "Running Balance",
    "Exchange From", "Exchange To", "Exchange Rate", "Payer Name", "Payee Name", "Payee Account Number",
    "Merchant", "Total fees",
]  # fmt: skip


def wise_statement(entries: list[BankEntry]) -> bytes:
    """A Wise statement CSV: outgoing transfers negative, incoming (refunds) positive."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(WISE_STATEMENT_COLUMNS)
    for n, entry in enumerate(entries, start=1):
        amount = -entry.amount if entry.debit else entry.amount
        writer.writerow(
            [
                entry.bank_reference or f"TRANSFER-{n:09d}",
                f"{entry.booked_on:%d-%m-%Y}",
                f"{amount:.2f}",
                entry.currency,
                entry.remittance or (f"Sent money to {entry.counterparty}" if entry.debit else "Refund"),
                entry.end_to_end_id,
                "",
                "",
                "",
                "",
                "" if entry.debit else entry.counterparty,
                entry.counterparty if entry.debit else "",
                "",
                "",
                "0.00",
            ]  # fmt: skip
        )
    return out.getvalue().encode()


def wise_executed(bulk_csv: bytes, booked_on: date) -> list[BankEntry]:
    """The transfers Wise books for a bulk-transfer CSV."""
    rows = csv.DictReader(io.StringIO(bulk_csv.decode()))
    return [
        BankEntry(
            amount=Decimal(row["amount"]),
            currency=row["targetCurrency"],
            booked_on=booked_on,
            end_to_end_id=row["paymentReference"],
            counterparty=row["name"],
            bank_reference=f"TRANSFER-{booked_on:%Y%m%d}{n:04d}",
        )  # fmt: skip
        for n, row in enumerate(rows, start=1)
    ]
