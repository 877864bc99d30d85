"""Backups and restores: the database (`pg_dump --format=custom` on PostgreSQL, SQLite's online backup
API on the embedded default) plus a copy of every private file a row names (from whichever storage is
configured: the local folder or S3), with a manifest (row counts per table, each file's SHA-256).

`restore` loads the dump into an empty database (`pg_restore`) and the files into the configured storage,
then counts the rows again and checks every file's SHA-256 against the manifest: a backup that cannot
be restored is found by the drill, not on the day it is needed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models


class BackupError(RuntimeError):
    """What went wrong, in one sentence."""


def _database_url() -> str:
    settings = connection.settings_dict
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or "5432"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgresql://{settings.get('USER') or 'postgres'}{password}@{host}:{port}/{settings['NAME']}"


def row_counts() -> dict[str, int]:
    return {m._meta.db_table: m.objects.count() for m in apps.get_models() if m._meta.managed and not m._meta.proxy}


def file_names() -> set[str]:
    """Every stored file a row names, from every file field of every model."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names |= set(model.objects.exclude(**{field.attname: ""}).values_list(field.attname, flat=True))
    return names


def backup(folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: a backup goes into a folder of its own.")
    if connection.vendor == "postgresql":
        done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "-f",
                               str(folder / "database.dump"), _database_url()], capture_output=True, text=True)  # fmt: skip
        if done.returncode:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()[-300:]}")
    else:
        connection.ensure_connection()
        with sqlite3.connect(folder / "database.sqlite3") as target:
            connection.connection.backup(target)
    files = {}
    for name in sorted(file_names()):
        try:
            with default_storage.open(name, "rb") as source:
                data = source.read()
        except (OSError, FileNotFoundError):
            files[name] = None  # named by a row but missing from storage: listed, so the drill shows it
            continue
        target = folder / "files" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        files[name] = hashlib.sha256(data).hexdigest()
    manifest = {"made_at": datetime.now(UTC).isoformat(), "vendor": connection.vendor, "rows": row_counts(),
                "files": files}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def restore(folder: Path) -> dict:
    """Into the configured database (it must be empty) and storage; returns what the check found."""
    manifest = json.loads((folder / "manifest.json").read_text())
    if manifest["vendor"] != connection.vendor:
        raise BackupError(f"this is a {manifest['vendor']} backup; the database here is {connection.vendor}.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            if cursor.fetchone()[0]:
                raise BackupError("the database is not empty: restore into a fresh one.")
        connection.close()
        done = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "-d",
                               _database_url(), str(folder / "database.dump")], capture_output=True, text=True)  # fmt: skip
        if done.returncode:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[-300:]}")
    else:
        connection.close()
        shutil.copyfile(folder / "database.sqlite3", connection.settings_dict["NAME"])
    for name, digest in manifest["files"].items():
        if digest is not None:
            default_storage.save(name, ContentFile((folder / "files" / name).read_bytes()))
    return check(manifest)


def check(manifest: dict) -> dict:
    rows = row_counts()
    wrong_rows = {t: (n, rows.get(t)) for t, n in manifest["rows"].items() if rows.get(t) != n}
    wrong_files = []
    for name, digest in manifest["files"].items():
        if digest is None:
            continue
        try:
            with default_storage.open(name, "rb") as stored:
                if hashlib.sha256(stored.read()).hexdigest() != digest:
                    wrong_files.append(name)
        except OSError:
            wrong_files.append(name)
    return {"tables": len(rows), "rows": sum(rows.values()), "files": sum(d is not None for d in manifest["files"].values()),
            "wrong_rows": wrong_rows, "wrong_files": wrong_files, "ok": not wrong_rows and not wrong_files}  # fmt: skip
