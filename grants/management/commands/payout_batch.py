"""`manage.py payout_batch --currency CUR [--by EMAIL] [--json]`: a batch of every payable due installment
in one currency (`"batch": null` and no batch when there is none). Installments that cannot be paid now (no confirmed bank details, no tax form) are
held with the reason and left out; so are, with --by, grants that person approved (two-person rule)."""

import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from grants.payments.batches import PaymentRefused, create_batch
from grants.payments.currencies import normalise_currency
from program.models import User


class Command(BaseCommand):
    help = "Gather every payable due installment in one currency into a payment batch."

    def add_arguments(self, parser):
        parser.add_argument("--currency", required=True, help="ISO 4217 code, e.g. EUR.")
        parser.add_argument("--by", help="Email of the person making the batch (payments permission).")
        parser.add_argument("--json", action="store_true", help="Print the result as one line of JSON.")

    def handle(self, currency: str, by: str | None, json: bool, **options):
        code = normalise_currency(currency)
        if code is None:
            raise CommandError(f"{currency!r} is not an ISO 4217 currency code.", returncode=2)
        person = None
        if by:
            person = User.objects.with_email(by).first()
            if person is None:
                raise CommandError(f"Nobody has the address {by}.", returncode=2)
        try:
            batch, skipped, held = create_batch(by=person, currency=code)
        except PaymentRefused as exc:
            raise CommandError(str(exc), returncode=2) from None
        rows = list(batch.installments.all()) if batch else []
        total = sum((i.amount for i in rows), start=Decimal("0"))
        result = {
            "batch": batch.pk if batch else None,
            "currency": code,
            "installments": len(rows),
            "total": f"{total:.2f}",
        }
        if json:
            self.stdout.write(_dumps(result))
            return
        if batch is None:
            self.stdout.write(f"Nothing in {code} can be paid now: no batch made.")
        else:
            self.stdout.write(f"Batch #{batch.pk}: {len(rows)} installment(s), {result['total']} {code}.")
        for reason, ids in held.items():
            self.stdout.write(f"Held ({reason}): {len(ids)} installment(s).")
        if skipped:
            self.stdout.write(f"Left out (you approved their grants): {len(skipped)} installment(s).")


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(", ", ": "))
