"""`manage.py ingest_maildir PATH [--call SLUG]`: import every unread message of a Maildir.

Each message goes through the same pipeline as ingest_email; afterwards it is moved to cur/ and
marked seen (S), so running the command again skips it. A crash in between re-reads the message on
the next run, which the pipeline answers with duplicate_ignored: nothing is created twice.
"""

import mailbox
from collections import deque

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
        unread: deque[tuple[str, mailbox.MaildirMessage]] = deque()

        def messages():
            for key in keys:
                message = box.get_message(key)
                if "S" not in message.get_flags():
                    unread.append((key, message))
                    yield box.get_bytes(key), f"{path}:{key}"

        for result in intake.ingest_many(messages(), source=InboundMessage.Source.MAILDIR, call_slug=call_slug):
            key, message = unread.popleft()  # results come back in the order the messages were read
            message.set_subdir("cur")
            message.add_flag("S")
            box[key] = message
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no unread messages"
        self.stdout.write(f"{path}: {summary}")
