"""Payout file formats: what a payment batch can be exported as. A new format (a bank's transfer file,
a payout service's bulk upload) is one `PayoutFormat` in `PAYOUT_FORMATS`: the batch page lists it
and `/grants/payments/batches/<id>.<extension>` serves it. Every format builds its file from the
batch's rows (`batches.batch_frame`); spreadsheets go through `program.exports` (formula cells
neutralised)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from grants.models import PaymentBatch
from grants.payments.batches import batch_frame
from program.exports import XLSX_TYPE, csv_bytes, xlsx_bytes


@dataclass(frozen=True)
class PayoutFormat:
    label: str
    extension: str
    content_type: str
    render: Callable[[PaymentBatch], bytes]


def _csv(batch: PaymentBatch) -> bytes:
    return csv_bytes(batch_frame(batch))


def _xlsx(batch: PaymentBatch) -> bytes:
    frame = batch_frame(batch)
    return xlsx_bytes(frame.assign(amount=frame["amount"].astype(float)), sheet=f"Batch {batch.pk}")


PAYOUT_FORMATS: dict[str, PayoutFormat] = {
    f.extension: f
    for f in (
        PayoutFormat("CSV for the bank", "csv", "text/csv; charset=utf-8", _csv),
        PayoutFormat("XLSX", "xlsx", XLSX_TYPE, _xlsx),
    )
}


def export_batch(batch: PaymentBatch, extension: str) -> bytes:
    """The batch as a file in the format with this extension (KeyError for an unknown one)."""
    return PAYOUT_FORMATS[extension].render(batch)
