"""`manage.py ingest_maildir PATH [--call SLUG]`: import every unread message of a Maildir.

Each message goes through the same pipeline as ingest_email; afterwards it is moved to cur/ and
marked seen (S), so running the command again skips it. A crash in between re-reads the message on
the next run, which the pipeline answers with duplicate_ignored: nothing is created twice.
"""

import mailbox

from django.core.management.base import BaseCommand, CommandError

from applications import intake
from applications.models import InboundMessage


class Command(BaseCommand):
    help = "Store and process the unread messages of a Maildir, then mark them seen."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--call", dest="call_slug")

    def handle(self, path: str, call_slug: str | None, **options):
        try:
            box = mailbox.Maildir(path, factory=None, create=False)
            keys = list(box.iterkeys())
        except (OSError, mailbox.Error) as exc:
            raise CommandError(f"Cannot read Maildir {path!r}: {exc}") from exc
        counts: dict[str, int] = {}
        for key in keys:
            message = box.get_message(key)
            if "S" in message.get_flags():
                continue
            raw = box.get_bytes(key)
            result = intake.ingest(
                raw, source=InboundMessage.Source.MAILDIR, source_ref=f"{path}:{key}", call_slug=call_slug
            )
            message.set_subdir("cur")
            message.add_flag("S")
            box[key] = message
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no unread messages"
        self.stdout.write(f"{path}: {summary}")
