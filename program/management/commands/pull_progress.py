"""`python manage.py pull_progress (--machine NAME | --url URL --token-file F) [--json]`: pull one lab
agent now, the way the beat job does. A registered machine's results are stored (idempotently); a bare
URL is only read and parsed."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from program.labs import collector
from program.models import LabMachine


class Command(BaseCommand):
    help = "Pull one lab machine's progress report now."

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--machine", help="a registered machine's name")
        target.add_argument("--url", help="an agent's base URL (nothing is stored)")
        parser.add_argument("--token-file", type=Path, help="with --url: the file holding the agent's token")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, machine=None, url=None, token_file=None, json=False, **options):
        if machine:
            record = LabMachine.objects.filter(name=machine).first()
            if record is None:
                names = ", ".join(LabMachine.objects.values_list("name", flat=True)[:20]) or "none registered"
                raise CommandError(f"No machine named {machine!r} (machines: {names}).")
            result = collector.pull_machine(record)
        else:
            if token_file is None:
                raise CommandError("--url needs --token-file.")
            try:
                token = token_file.read_text().strip()
            except OSError as exc:
                raise CommandError(f"Cannot read the token file: {exc}") from None
            result = collector.pull_url(url, token)
        if json:
            self.stdout.write(_dumps(result.as_json()))
        elif result.ok:
            self.stdout.write(f"{result.machine}: ok in {result.latency_ms} ms, {len(result.reports)} report(s)")
            for report in result.reports:
                if report["valid"]:
                    self.stdout.write(
                        f"  {report['workspace']}/{report['day']}: {report.get('passed', 0)} passed, "
                        f"{report.get('failed', 0)} failed, {report.get('errors', 0)} errors"
                        + (f" (broken: {report['broken']})" if report.get("broken") else "")
                    )
                else:
                    self.stdout.write(f"  {report['workspace']}/{report['day']}: invalid: {report['invalid_reason']}")
        else:
            self.stdout.write(f"{result.machine}: failed: {result.error}")
        if not result.ok:
            raise SystemExit(1)


def _dumps(value) -> str:
    return json.dumps(value, indent=2)
