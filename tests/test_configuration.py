"""Settings come from the environment; production values pass `check --deploy` with no warning."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "False",
    "SECRET_KEY": "k3y-for-the-deploy-check-0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ-!@#%",
    "ALLOWED_HOSTS": "runway.example.org",
    "DATABASE_URL": "postgres://runway@db.example.org:5432/runway",
    "CELERY_BROKER_URL": "redis://redis.example.org:6379/0",
    "CACHE_URL": "rediscache://redis.example.org:6379/1",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    "PAYOUT_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1rZXktZm9yLXRoZS1jaGVjay0wMTI=",
    "PAYOUT_DEBTOR_IBAN": "NL91ABNA0417164300",
    "PAYOUT_DEBTOR_BIC": "ABNANL2A",
}


def _manage(*args: str, env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    # A bare environment: only what the command is given (the test settings set variables of their own).
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings", RUNWAY_VAR_DIR=str(tmp_path))
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_with_production_values_prints_no_warning(tmp_path):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV, tmp_path=tmp_path)

    assert (result.returncode, result.stdout.strip()) == (0, "System check identified no issues (0 silenced).")


def test_check_deploy_names_each_embedded_default_left_in_production(tmp_path):
    env = {
        k: v
        for k, v in PRODUCTION_ENV.items()
        if k in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "PAYOUT_ENCRYPTION_KEYS")
    }

    result = _manage("check", "--deploy", env=env, tmp_path=tmp_path)

    for check_id in ("runway.W001", "runway.W002", "runway.W003", "runway.W004", "runway.W005"):
        assert check_id in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "PAYOUT_ENCRYPTION_KEYS"])
def test_missing_production_setting_gives_a_message_not_a_traceback(tmp_path, missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    result = _manage("check", env=env, tmp_path=tmp_path)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"Configuration error: Set the {missing} environment variable.")


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_a_filemail_url_keeps_an_absolute_folder_absolute(tmp_path):
    """django-environ reads filemail:///abs/path as the relative abs/path (prod-check's mail once landed
    under the checkout); the settings keep the folder as written."""
    show = "from django.conf import settings; print(settings.EMAIL_FILE_PATH)"
    folders = [
        _manage("shell", "-c", show, env={"DEBUG": "True", "EMAIL_URL": url}, tmp_path=tmp_path).stdout.split()[-1]
        for url in (f"filemail://{tmp_path}/mail", "filemail://var/mail")
    ]

    assert folders == [f"{tmp_path}/mail", "var/mail"]
