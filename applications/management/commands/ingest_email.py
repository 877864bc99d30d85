"""`manage.py ingest_email [PATH|-] [--call SLUG] [--json]`: one RFC 5322 message in, one result out.

For a mail server pipe (PATH "-" or absent reads standard input) and for scripts. The exit code is 0
for every outcome, rejections included; non-zero only when the message could not even be stored.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from applications import intake
from applications.models import InboundMessage


class Command(BaseCommand):
    help = "Store and process one email message (a file, or standard input)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="A .eml file, or - for standard input (default).")
        parser.add_argument("--call", dest="call_slug", help="Route to this call instead of reading the address.")
        parser.add_argument("--json", action="store_true", help="Print the result as one line of JSON.")

    def handle(self, path: str, call_slug: str | None, json: bool, **options):
        try:
            if path == "-":
                raw, source, ref = sys.stdin.buffer.read(), InboundMessage.Source.STDIN, "stdin"
            else:
                with open(path, "rb") as fh:
                    raw = fh.read()
                source, ref = InboundMessage.Source.FILE, path
            message = intake.store_raw(raw, source=source, source_ref=ref)
        except Exception as exc:  # nothing stored: the only failure the caller must retry
            raise CommandError(f"Could not store the message: {exc}") from exc
        result = intake.process(message, call_slug=call_slug)
        if json:
            self.stdout.write(_dumps(result.as_json()))
        else:
            app = f" application #{result.application.pk}" if result.application else ""
            why = f" ({result.reason})" if result.reason else ""
            self.stdout.write(f"{result.outcome}{why}:{app} {message.detail}".rstrip())


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(", ", ": "))
