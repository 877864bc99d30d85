"""A database seeded before the redesign (tests/fixtures/db/) migrates forward with no row lost."""

import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = ROOT / "tests" / "fixtures" / "db" / "before-rooms.sqlite3.gz"


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        ]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def test_a_seeded_database_from_before_migrates_forward_with_every_row_kept(tmp_path):
    database = tmp_path / "before.sqlite3"
    with gzip.open(BEFORE, "rb") as src, open(database, "wb") as dst:
        shutil.copyfileobj(src, dst)
    before = _counts(database)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_"))}
    env.update(DATABASE_URL=f"sqlite:///{database}", DEBUG="True", RUNWAY_VAR_DIR=str(tmp_path / "var"))

    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr[-2000:]
    after = _counts(database)
    lost = {t: (n, after.get(t)) for t, n in before.items() if (after.get(t) or 0) < n}
    ours = ("program_", "applications_", "grants_")
    changed = {t: (n, after[t]) for t, n in before.items() if t.startswith(ours) and after.get(t) != n}
    assert (lost, changed) == ({}, {})  # the new model's content type and permissions are the only new rows
    assert before["applications_application"] == 60 and before["grants_grant"] == 5  # it really was seeded
    assert "program_stateevent" in after and after["django_migrations"] > before["django_migrations"]
