"""`manage.py payout_file BATCH --format sepa|wise|csv|xlsx [-o FILE] [--by EMAIL]`: the batch's file.

A bank file (sepa, wise) is made once and kept: this prints the same bytes every time, moves the
installments it pays to *exported* and locks the batch. A list (csv, xlsx) is made fresh. Warnings
(names or remittance text cut) go to standard error."""

import sys

from django.core.management.base import BaseCommand, CommandError

from grants.models import PaymentBatch
from grants.payments.batches import PaymentRefused
from grants.payments.exporting import ExportRefused, export_file, file_bytes
from grants.payments.formats import PAYOUT_FORMATS
from program.models import User


class Command(BaseCommand):
    help = "Write a payment batch as a bank file (SEPA pain.001, Wise CSV) or a list (CSV, XLSX)."

    def add_arguments(self, parser):
        parser.add_argument("batch", type=int)
        parser.add_argument("--format", dest="fmt", required=True, choices=sorted(PAYOUT_FORMATS))
        parser.add_argument("-o", "--output", help="Write here instead of standard output.")
        parser.add_argument("--by", help="Email of the person exporting (payments permission).")

    def handle(self, batch: int, fmt: str, output: str | None, by: str | None, **options):
        found = PaymentBatch.objects.filter(pk=batch).first()
        if found is None:
            raise CommandError(f"There is no batch #{batch}.", returncode=2)
        person = User.objects.with_email(by).first() if by else None
        if by and person is None:
            raise CommandError(f"Nobody has the address {by}.", returncode=2)
        payout_format = PAYOUT_FORMATS[fmt]
        if payout_format.is_bank_file:
            try:
                made = export_file(found, fmt, by=person)
            except (ExportRefused, PaymentRefused) as exc:
                raise CommandError(str(exc), returncode=2) from None
            content = file_bytes(made)
            for warning in made.warnings:
                self.stderr.write(f"warning: {warning}")
            self.stderr.write(
                f"{made.installments} installment(s), {made.total} {found.currency}, sha256 {made.sha256}"
            )
        else:
            content = payout_format.listing(found)
        if output:
            with open(output, "wb") as handle:
                handle.write(content)
        else:
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
