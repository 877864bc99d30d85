"""Reading bank statements: ISO 20022 `camt.053` (versions .001.02 and .001.08) and Wise's statement
CSV, into plain `Entry` rows. Nothing here touches the database.

XML is read with defusedxml (no DTD, no entity expansion, no external entity); a file over
`MAX_BYTES`, not XML or CSV, in another namespace, or with a DTD is refused with `NotAStatement` and
one line saying why. Only booked entries count (camt `Sts` BOOK); each transaction of a batch-booked
entry (`NtryDtls/TxDtls`) is one `Entry`. `Entry.key` identifies a transaction across statements:
the bank's own reference for it where there is one, else a hash of what the bank says about it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

MAX_BYTES = 50 * 1024 * 1024
CAMT_VERSIONS = {f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{v}": f"camt.053.001.{v}" for v in ("02", "08")}
WISE_COLUMNS = {"TransferWise ID", "Date", "Amount", "Currency", "Payment Reference"}


class NotAStatement(Exception):
    pass


@dataclass
class Entry:
    debit: bool
    amount: Decimal  # positive; `debit` says which way
    currency: str
    booked_on: date | None
    end_to_end_id: str = ""
    remittance: str = ""
    bank_reference: str = ""
    counterparty: str = ""
    return_code: str = ""
    return_reason: str = ""
    account: str = ""
    position: int = 0  # the transaction's place inside its entry (batch booking)
    key: str = field(default="", init=False)

    def finish(self) -> Entry:
        if self.bank_reference:
            basis = [self.account, self.bank_reference, str(self.position)]
        else:
            basis = [self.account, str(self.booked_on), "D" if self.debit else "C", f"{self.amount:.2f}",
                     self.currency, self.end_to_end_id, self.remittance, self.counterparty, str(self.position)]  # fmt: skip
        self.key = hashlib.sha256("\x1f".join(basis).encode()).hexdigest()
        return self


@dataclass
class Statement:
    format: str
    entries: list[Entry]
    pending: int = 0


def parse(raw: bytes) -> Statement:
    """The statement in `raw`, or NotAStatement with the reason."""
    if len(raw) > MAX_BYTES:
        raise NotAStatement(
            f"the file is {len(raw) / 1024 / 1024:.0f} MB; statements over {MAX_BYTES // 1024 // 1024} MB are refused"
        )
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return _camt(raw)
    return _wise(raw)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Node:
    """Namespace-free paths over one element (camt versions differ in namespace, not in local names)."""

    def __init__(self, element, ns: str):
        self.element, self.ns = element, ns

    def all(self, path: str) -> list[_Node]:
        found = self.element.findall("/".join(f"{{{self.ns}}}{step}" for step in path.split("/")))
        return [_Node(e, self.ns) for e in found]

    def first(self, *paths: str) -> _Node | None:
        for path in paths:
            found = self.all(path)
            if found:
                return found[0]
        return None

    def text(self, *paths: str) -> str:
        node = self.first(*paths)
        return (node.element.text or "").strip() if node is not None else ""


def _camt(raw: bytes) -> Statement:
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise NotAStatement(f"the XML declares a DTD or entities ({type(exc).__name__}); statements never do") from None
    except ParseError as exc:
        raise NotAStatement(f"the file is not well-formed XML ({exc})") from None
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if ns not in CAMT_VERSIONS or _local(root.tag) != "Document":
        raise NotAStatement(f"the XML is not a camt.053.001.02 or .08 statement (namespace {ns or 'none'!r})")
    document, entries, pending = _Node(root, ns), [], 0
    for statement in document.all("BkToCstmrStmt/Stmt"):
        account = statement.text("Acct/Id/IBAN", "Acct/Id/Othr/Id")
        for item in statement.all("Ntry"):
            if (item.text("Sts/Cd") or item.text("Sts")) != "BOOK":
                pending += 1
                continue
            entries.extend(_transactions(item, account))
    return Statement(CAMT_VERSIONS[ns], entries, pending)


def _amount(node: _Node | None) -> tuple[Decimal, str] | None:
    if node is None or not node.element.text:
        return None
    try:
        return Decimal(node.element.text.strip()), node.element.get("Ccy", "")
    except InvalidOperation:
        raise NotAStatement(f"an amount is not a number: {node.element.text.strip()[:40]!r}") from None


def _transactions(item: _Node, account: str) -> list[Entry]:
    entry_amount = _amount(item.first("Amt"))
    if entry_amount is None:
        raise NotAStatement("an entry has no amount")
    booked = item.text("BookgDt/Dt") or item.text("BookgDt/DtTm")[:10]
    entry_debit = item.text("CdtDbtInd") == "DBIT"
    details = item.all("NtryDtls/TxDtls") or [None]
    found = []
    for position, tx in enumerate(details):
        tx = tx or item
        amount = _amount(tx.first("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt")) if tx is not item else None
        if amount is None:
            amount = entry_amount
        side = tx.text("CdtDbtInd") if tx is not item else ""
        debit = entry_debit if not side else side == "DBIT"
        party = "Cdtr" if debit else "Dbtr"
        e2e = tx.text("Refs/EndToEndId")
        remittance = " ".join(n.element.text.strip() for n in tx.all("RmtInf/Ustrd") if n.element.text)
        remittance = " ".join(filter(None, [remittance, tx.text("RmtInf/Strd/CdtrRefInf/Ref")]))
        found.append(
            Entry(
                debit=debit,
                amount=abs(amount[0]),
                currency=amount[1] or entry_amount[1],
                booked_on=_date(booked),
                end_to_end_id="" if e2e.upper() == "NOTPROVIDED" else e2e,
                remittance=remittance[:500],
                bank_reference=tx.text("Refs/AcctSvcrRef")
                or (f"{item.text('AcctSvcrRef')}" if item.text("AcctSvcrRef") else ""),
                counterparty=tx.text(f"RltdPties/{party}/Pty/Nm", f"RltdPties/{party}/Nm")[:200],
                return_code=tx.text("RtrInf/Rsn/Cd", "RtrInf/Rsn/Prtry"),
                return_reason=" ".join(n.element.text.strip() for n in tx.all("RtrInf/AddtlInf") if n.element.text)[
                    :300
                ],
                account=account,
                position=position,
            ).finish()
        )
    return found


def _date(text: str, formats=("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")) -> date | None:
    for pattern in formats:
        try:
            return datetime.strptime(text.strip()[:10], pattern).date()
        except ValueError:
            continue
    return None


def _wise(raw: bytes) -> Statement:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotAStatement("the file is neither XML nor a UTF-8 CSV") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not WISE_COLUMNS <= {name.strip() for name in reader.fieldnames}:
        raise NotAStatement(
            "the file is not a camt.053 statement or a Wise statement CSV (a Wise statement has the columns "
            + ", ".join(sorted(WISE_COLUMNS))
            + ")"
        )
    entries = []
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        try:
            amount = Decimal(row["Amount"].replace(",", ""))
        except InvalidOperation:
            raise NotAStatement(f"line {number}: the amount {row['Amount'][:40]!r} is not a number") from None
        description = row.get("Description", "")
        returned = amount > 0 and any(w in description.lower() for w in ("refund", "return", "bounced"))
        entries.append(
            Entry(
                debit=amount < 0,
                amount=abs(amount),
                currency=row["Currency"].upper()[:3],
                booked_on=_date(row["Date"]),
                end_to_end_id=row["Payment Reference"][:100],
                remittance=description[:500],
                bank_reference=row["TransferWise ID"][:100],
                counterparty=(row.get("Payee Name") if amount < 0 else row.get("Payer Name")) or "",
                return_code="WISE" if returned else "",
                return_reason=description[:300] if returned else "",
                account="wise",
            ).finish()
        )
    return Statement("wise-csv", entries)
