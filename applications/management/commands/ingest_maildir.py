"""`manage.py ingest_maildir PATH [--call SLUG]`: import every unread message of a Maildir
(`applications.intake.maildir`), then print how many got each outcome."""

from django.core.management.base import BaseCommand, CommandError

from applications.intake.maildir import MaildirError, import_unread


class Command(BaseCommand):
    help = "Store and process the unread messages of a Maildir, then mark them seen."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--call", dest="call_slug")

    def handle(self, path: str, call_slug: str | None, **options):
        try:
            counts = import_unread(path, call_slug=call_slug)
        except MaildirError as exc:
            raise CommandError(str(exc)) from exc
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no unread messages"
        self.stdout.write(f"{path}: {summary}")
