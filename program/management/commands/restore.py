"""`python manage.py restore DIR`: load a backup into an empty database and the configured storage,
then check every table's row count and every file's SHA-256 against its manifest (exit 1 if any differ)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from program.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into a fresh database, and check it (see README, Backups)."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        try:
            result = restore(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(result))
        if not result["ok"]:
            raise CommandError("the restored data does not match the backup's manifest")
