"""Settings for the test suite: the real settings module with a handful of overrides.

PostgreSQL and Redis on 127.0.0.1 are used when they answer (or when DATABASE_URL /
CELERY_BROKER_URL name them); otherwise the general suite falls back to SQLite and the tests that need
the real servers skip, except under CI=true, where they must run (tests/conftest.py enforces it).
"""

import os
import socket
import tempfile


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.3):
            return True
    except OSError:
        return False


os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789-abcdefghijklmnop")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("PAYOUT_ENCRYPTION_KEYS", "dGVzdC1vbmx5LXBheW91dC1rZXktMDEyMzQ1Njc4OTA=")
os.environ.setdefault("SECURE_SSL_REDIRECT", "False")
os.environ.setdefault("SESSION_COOKIE_SECURE", "False")
os.environ.setdefault("CSRF_COOKIE_SECURE", "False")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("STATIC_MANIFEST", "False")  # nothing is collected for the tests
if "DATABASE_URL" not in os.environ and _port_open("127.0.0.1", 5432):
    os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/test"
if "CELERY_BROKER_URL" not in os.environ and _port_open("127.0.0.1", 6379):
    os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/15"
os.environ.setdefault("RUNWAY_VAR_DIR", tempfile.mkdtemp(prefix="runway-test-"))

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # A test database of this run's own, so two runs on one server (CI and a developer) never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}  # noqa: F405
    # Live servers and threads in the tests must not keep connections past the test (the database is
    # dropped at the end); production keeps them (DB_CONN_MAX_AGE).
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Unit tests run tasks inline; tests/test_celery_worker.py turns this off and uses a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# WhiteNoise warns when STATIC_ROOT does not exist; nothing is collected for the tests, so it is empty.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
