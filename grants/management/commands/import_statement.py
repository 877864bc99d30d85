"""`manage.py import_statement FILE [--by EMAIL] [--json]`: apply a bank statement (camt.053.001.02 or
.08, or a Wise statement CSV; `-` reads standard input).

Exit 0 whenever the file was read, unmatched entries included; exit 2 with one line saying why for a
file that is not a statement (not XML or CSV, another namespace, a DTD or entities, over 50 MB), and
nothing is written."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from grants.payments.reconcile import import_statement
from grants.payments.statements import MAX_BYTES, NotAStatement
from program.models import User


class Command(BaseCommand):
    help = "Import a bank statement: mark matched installments paid, returns returned, list the rest."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The statement file, or - for standard input.")
        parser.add_argument("--by", help="Email of the person importing.")
        parser.add_argument("--json", action="store_true", help="Print the report as one line of JSON.")

    def handle(self, path: str, by: str | None, json: bool, **options):
        try:
            if path == "-":
                raw = sys.stdin.buffer.read(MAX_BYTES + 1)
            else:
                with open(path, "rb") as handle:
                    raw = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.", returncode=2) from None
        person = User.objects.with_email(by).first() if by else None
        try:
            report = import_statement(raw, filename="stdin" if path == "-" else path, by=person)
        except NotAStatement as exc:
            raise CommandError(f"Not a statement: {exc}.", returncode=2) from None
        if json:
            self.stdout.write(_dumps(report))
            return
        self.stdout.write(
            f"{report['format']}: {report['entries']} entries, {report['matched']} paid, "
            f"{report['already_paid']} already paid, {report['returned']} returned, "
            f"{report['amount_mismatch']} amount mismatch, {len(report['unmatched'])} unmatched."
        )
        for item in report["unmatched"]:
            self.stdout.write(f"unmatched: {item['amount']} {item['currency']} {item['reference']}")


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(", ", ": "))
