"""`python manage.py backup DIR`: the database and every private file into DIR, with a manifest."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from program.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and every private file into an empty folder (see README, Backups)."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        try:
            manifest = backup(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps({"folder": str(folder), "rows": sum(manifest["rows"].values()),
                                      "files": len(manifest["files"])}))  # fmt: skip
