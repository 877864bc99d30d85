"""Files a bank or payout service executes, made from a batch's payees.

- **SEPA credit transfer**, ISO 20022 `pain.001.001.09`, written by `sepaxml` (one payment information
  block: the batch's execution date, batch booking) and validated against the XSD that ships with
  sepaxml, by lxml, before anyone sees it. EndToEndId is the installment's reference; names are cut to
  70 and remittance text to 140 characters (sepaxml transliterates to the SEPA character set), and
  each cut is returned as a warning.
- **Wise bulk transfer** CSV: the columns of Wise's batch template (`name, recipientEmail,
  paymentReference, receiverType, amountCurrency, amount, sourceCurrency, targetCurrency, IBAN, BIC,
  accountNumber, abartn`); `amountCurrency=target`, so the grantee receives the exact stipend.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import sepaxml
from django.conf import settings
from lxml import etree
from sepaxml import SepaTransfer
from text_unidecode import unidecode

from program.exports import csv_bytes

SEPA_SCHEMA = "pain.001.001.09"
NAME_MAX, REMITTANCE_MAX = 70, 140


@dataclass(frozen=True)
class Payee:
    """One installment to pay, with the (unsealed) confirmed details of its grantee."""

    installment: int
    reference: str
    grant: int
    number: int
    months: int
    name: str
    email: str
    amount: Decimal
    currency: str
    method: str
    details: dict

    @property
    def remittance(self) -> str:
        return f"Stipend {self.number}/{self.months} grant {self.grant} {self.reference}"


class BankFileError(Exception):
    pass


@functools.cache
def _sepa_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(Path(sepaxml.__file__).parent / "schemas" / f"{SEPA_SCHEMA}.xsd")))


def sepa_payable(payee: Payee) -> bool:
    return payee.currency == "EUR" and bool(payee.details.get("iban"))


def wise_payable(payee: Payee) -> bool:
    return payee.method == "wise" or (payee.currency != "EUR" and bool(payee.details.get("iban")))


def _sepa_text(text: str, limit: int) -> str:
    """What sepaxml's `clean=True` does (transliterate to ASCII with text-unidecode, cut), skipping the
    transliteration for text that is ASCII already (nearly all of it; a third of the file's time)."""
    return (text if text.isascii() else unidecode(text))[:limit]


def sepa_file(payees: list[Payee], *, batch_id: int, execution_date: date) -> tuple[bytes, list[str]]:
    """A pain.001.001.09 file paying these payees; raises BankFileError if it does not validate."""
    warnings = []
    config = {
        "name": settings.PAYOUT_DEBTOR_NAME,
        "IBAN": settings.PAYOUT_DEBTOR_IBAN,
        "currency": "EUR",
        "batch": True,
    }
    if settings.PAYOUT_DEBTOR_BIC:
        config["BIC"] = settings.PAYOUT_DEBTOR_BIC
    config["name"] = _sepa_text(config["name"], NAME_MAX)
    transfer = SepaTransfer(config, schema=SEPA_SCHEMA, clean=False)  # cleaned here, ASCII fast
    transfer._xml.find("CstmrCdtTrfInitn/GrpHdr/MsgId").text = f"RUNWAY-B{batch_id}-SEPA"
    for payee in payees:
        name = payee.details.get("holder") or payee.name
        if len(name) > NAME_MAX:
            warnings.append(f"{payee.reference}: the payee name was cut to {NAME_MAX} characters ({name[:NAME_MAX]}…).")
        if len(payee.remittance) > REMITTANCE_MAX:
            warnings.append(f"{payee.reference}: the remittance text was cut to {REMITTANCE_MAX} characters.")
        payment = {
            "name": _sepa_text(name, NAME_MAX),
            "IBAN": payee.details["iban"],
            "amount": int((payee.amount * 100).to_integral_exact()),
            "execution_date": execution_date,
            "description": _sepa_text(payee.remittance, REMITTANCE_MAX),
            "endtoend_id": payee.reference,
        }
        if payee.details.get("bic"):
            payment["BIC"] = payee.details["bic"]
        transfer.add_payment(payment)
    content = transfer.export(validate=False)
    schema = _sepa_schema()
    if not schema.validate(etree.fromstring(content)):
        raise BankFileError(f"The SEPA file does not validate: {schema.error_log.last_error}")
    return content, warnings


WISE_COLUMNS = [
    "name",
    "recipientEmail",
    "paymentReference",
    "receiverType",
    "amountCurrency",
    "amount",
    "sourceCurrency",
    "targetCurrency",
    "IBAN",
    "BIC",
    "accountNumber",
    "abartn",
]


def wise_file(payees: list[Payee]) -> tuple[bytes, list[str]]:
    """Wise's bulk-transfer CSV for these payees."""
    rows = [
        [
            payee.details.get("holder") or payee.name,
            payee.details.get("wise_email", ""),
            payee.reference,
            "PERSON",
            "target",
            f"{payee.amount:.2f}",
            payee.currency,
            payee.currency,
            payee.details.get("iban", ""),
            payee.details.get("bic", ""),
            payee.details.get("account_number", ""),
            payee.details.get("routing_number", ""),
        ]
        for payee in payees
    ]
    return csv_bytes(pd.DataFrame(rows, columns=WISE_COLUMNS)), []
