"""The restore drill: a backup (pg_dump + every private file + a manifest) restored into a fresh
PostgreSQL database and an empty file store by another process has the same row count in every table
and the same bytes in every file; a backup never goes into a used folder or over a used database."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from applications.models import Document
from applications.services import create_application
from program.ops.backup import BackupError, backup, row_counts
from tests.factories import CallFactory, UserFactory

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.postgres
def test_a_backup_restores_into_a_fresh_database_with_every_row_and_file(transactional_db, tmp_path):
    application = create_application(CallFactory(), UserFactory(email="ada@example.org"), source="web")
    document = Document(application=application, original_filename="cv.pdf")
    document.file.save("cv.pdf", ContentFile(b"%PDF-1.4 the resume"), save=True)
    call_command("backup", str(tmp_path / "backup"))
    before = row_counts()
    fresh = f"restore_drill_{os.getpid()}"
    settings = connection.settings_dict
    admin = f"postgresql://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {fresh}")
        conn.execute(f"CREATE DATABASE {fresh}")
    try:
        env = {**os.environ, "DATABASE_URL": admin.rsplit("/", 1)[0] + f"/{fresh}",
               "PRIVATE_MEDIA_ROOT": str(tmp_path / "restored-files"), "DJANGO_SETTINGS_MODULE": "config.test_settings"}  # fmt: skip
        done = subprocess.run([sys.executable, "manage.py", "restore", str(tmp_path / "backup")], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=180)  # fmt: skip
        again = subprocess.run([sys.executable, "manage.py", "restore", str(tmp_path / "backup")], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=180)  # fmt: skip
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {fresh} WITH (FORCE)")

    assert done.returncode == 0, done.stderr[-1000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ok"] and result["rows"] == sum(before.values()) and result["files"] == 1
    assert (tmp_path / "restored-files" / document.file.name).read_bytes() == b"%PDF-1.4 the resume"
    assert again.returncode != 0 and "not empty" in again.stderr  # never over a used database


def test_a_backup_goes_into_an_empty_folder_only(db, tmp_path):
    (tmp_path / "old").write_text("x")

    with pytest.raises(BackupError, match="not empty"):
        backup(tmp_path)
