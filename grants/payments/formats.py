"""Payout file formats: what a payment batch can be exported as. A new format (another bank's transfer
file, another payout service's bulk upload) is one `PayoutFormat` in `PAYOUT_FORMATS`: the batch page
lists it, `/grants/payments/batches/<id>.<extension>` and `manage.py payout_file` serve it.

Two kinds: **bank files** (`sepa`, `wise`) pay people. They are made once per batch and format from
the batch's installments that format can pay, stored byte for byte (exporting again gives the same
bytes, and the page shows their SHA-256), and they move those installments to *exported* and lock the
batch. **Lists** (`csv`, `xlsx`) are for reading: every installment of the batch with its reference
and the masked account, remade on each download, through `program.exports` (formula cells neutralised)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from grants.models import PaymentBatch
from program.exports import XLSX_TYPE, csv_bytes, xlsx_bytes

from .bankfiles import Payee, sepa_file, sepa_payable, wise_file, wise_payable
from .batches import batch_frame


@dataclass(frozen=True)
class PayoutFormat:
    label: str
    extension: str
    content_type: str
    # Bank files: which payees the format can pay, and the file (bytes, warnings) for them.
    accepts: Callable[[Payee], bool] | None = None
    render: Callable[..., tuple[bytes, list[str]]] | None = None
    # Lists: the file for the whole batch.
    listing: Callable[[PaymentBatch], bytes] | None = None

    @property
    def is_bank_file(self) -> bool:
        return self.render is not None


def _csv(batch: PaymentBatch) -> bytes:
    return csv_bytes(batch_frame(batch))


def _xlsx(batch: PaymentBatch) -> bytes:
    frame = batch_frame(batch)
    return xlsx_bytes(frame.assign(amount=frame["amount"].astype(float)), sheet=f"Batch {batch.pk}")


def _sepa(payees: list[Payee], batch: PaymentBatch) -> tuple[bytes, list[str]]:
    return sepa_file(payees, batch_id=batch.pk, execution_date=batch.execution_date)


def _wise(payees: list[Payee], batch: PaymentBatch) -> tuple[bytes, list[str]]:
    return wise_file(payees)


PAYOUT_FORMATS: dict[str, PayoutFormat] = {
    f.extension: f
    for f in (
        PayoutFormat("SEPA credit transfer (pain.001.001.09)", "sepa", "application/xml", sepa_payable, _sepa),
        PayoutFormat("Wise bulk transfer (CSV)", "wise", "text/csv; charset=utf-8", wise_payable, _wise),
        PayoutFormat("CSV list", "csv", "text/csv; charset=utf-8", listing=_csv),
        PayoutFormat("XLSX list", "xlsx", XLSX_TYPE, listing=_xlsx),
    )
}
FILE_EXTENSIONS = {"sepa": "xml", "wise": "csv"}
