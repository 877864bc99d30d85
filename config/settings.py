"""Runway settings.

Every value comes from the environment (see `.env.example`), with defaults that make a fresh checkout
run with no external service: SQLite, a filesystem Celery broker, console email. Production differs only
by environment values; with DEBUG off, a missing SECRET_KEY or ALLOWED_HOSTS stops the process with a
message naming the variable.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.storage_url import object_storage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("RUNWAY_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# Local state of the embedded default (SQLite file, broker folder, private media) lives here.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    try:
        SECRET_KEY = env.str("SECRET_KEY")
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(
            f"{exc}. Runway runs with DEBUG=False unless told otherwise; in production set "
            "SECRET_KEY and ALLOWED_HOSTS, or set DEBUG=True for local development "
            "(`make run` does this for you)."
        ) from None

# Fernet keys sealing bank details (grants/payments/vault.py), newest first. Required in production;
# under DEBUG a key derived from SECRET_KEY is used when none is set.
PAYOUT_ENCRYPTION_KEYS = env.list("PAYOUT_ENCRYPTION_KEYS", default=[])
if not PAYOUT_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set the PAYOUT_ENCRYPTION_KEYS environment variable. It holds one or more Fernet keys, comma-separated; "
            "make one with `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
        )
    import base64
    import hashlib

    PAYOUT_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(b"payout:" + SECRET_KEY.encode()).digest()).decode()
    ]

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_celery_beat",
    "django_htmx",
    "template_partials",
    "rules.apps.AutodiscoverRulesConfig",
    "program",
    "applications",
    "grants",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "program.logs.RequestIdMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "program.middleware.CleanInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "program.middleware.RequireOrganizerTwoFactorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "program.context_processors.navigation",
                "program.context_processors.privacy",
            ],
        },
    }
]

# SQLite by default so a fresh checkout needs no server; PostgreSQL when DATABASE_URL says so.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'runway.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web process, a worker and beat share the file: write-ahead logging lets them read while one
    # writes, IMMEDIATE transactions take the write lock up front (no mid-transaction "database is
    # locked"), and they wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
else:
    # Keep each web thread's and worker's connection for a minute instead of opening one per request
    # (a PostgreSQL backend per request costs the machine more than most pages); checked before reuse.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits of allauth need a cache shared by all web processes: Redis in production.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://runway")}

AUTH_USER_MODEL = "program.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "program:home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email is the login, verification is mandatory, applicants sign in with an emailed
# one-time code and never need a password. Two-factor (TOTP) is available to all, required for
# organizers by program.middleware.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1", "password2"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "request_login_code": "20/m/ip,3/m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Runway] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Runway"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

# Uploaded files (resumes, letters) are private: stored outside anything a static server serves,
# handed out only by views that check permission, always as attachments.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
# No route serves this prefix (and storage.url() refuses to build URLs, base_url=None); Django only
# needs a non-empty value here.
MEDIA_URL = "/private-files-are-never-served/"
# STORAGE_URL=s3://bucket/prefix?endpoint=https://…&region=… puts the private files (raw mail, resumes,
# letters, tax forms, statements) in S3-compatible object storage, shared by every web and worker host;
# without it they stay in PRIVATE_MEDIA_ROOT (the embedded default). Keys: AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY (or the host's role). Downloads still go through the views' permission checks.
STORAGE_URL = env.str("STORAGE_URL", default="")
# Static files: WhiteNoise serves them from the app. With DEBUG off, from what `collectstatic` wrote
# (the systemd unit runs it before gunicorn): hashed names, gzip/Brotli copies, cached for a year.
# STATIC_MANIFEST=False only where nothing was collected (the test suite, the benchmarks).
_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": object_storage(STORAGE_URL) if STORAGE_URL else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if _MANIFEST
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}  # fmt: skip
WHITENOISE_USE_FINDERS = DEBUG or not _MANIFEST
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)

# Email: console by default; SMTP in production, e.g. EMAIL_URL=smtp+tls://user:pass@host:587
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_CONFIG["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    # django-environ drops the leading slash of filemail:///abs/path (the files landed under the
    # working directory); the URL's host and path, as written, are the folder.
    _mail_url = urlsplit(env.str("EMAIL_URL"))
    EMAIL_FILE_PATH = _mail_url.netloc + _mail_url.path
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Runway <runway@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# Security: secure by default whenever DEBUG is off (`manage.py check --deploy` stays silent).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every response (django-csp): scripts and styles only from our own static
# files (htmx is vendored; no inline script, style or event handler anywhere), images from us or data:
# URIs (the TOTP QR code), no plugins, no framing, forms post only to us. Downloads of uploaded files
# set their own stricter policy (default-src 'none'; sandbox).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Celery. The default broker is a folder on disk (kombu's filesystem transport), so `make run` needs
# no server; production and CI use Redis. Reliability rules from shared/ARCHITECTURE.md: acks late,
# requeue when a worker dies, a visibility timeout at least twice the longest task time limit, and
# every task idempotent.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
# A web request never waits on the broker for long: one connection attempt (no retries), a short
# connect timeout; when it fails the request still succeeds and the periodic sweeps redo the work.
CELERY_BROKER_CONNECT_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=0.5)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT + 600,
    "max_retries": 0,
    "socket_connect_timeout": CELERY_BROKER_CONNECT_TIMEOUT,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        data_folder_in=str(_broker_dir / "queue"),
        data_folder_out=str(_broker_dir / "queue"),
        processed_folder=str(_broker_dir / "processed"),
        control_folder=str(_broker_dir / "control"),  # kombu's default is ./control in the working directory
        store_processed=False,
    )
    (_broker_dir / "queue").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
CELERY_BROKER_CONNECTION_TIMEOUT = CELERY_BROKER_CONNECT_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="runway")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# /healthz calls the worker "stale" when its heartbeat (every minute) is older than this.
WORKER_STALE_SECONDS = env.int("WORKER_STALE_SECONDS", default=300)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "program.tasks.task_record_heartbeat", "schedule": 60.0},
    "send-queued-outbound": {"task": "applications.tasks.task_send_queued_outbound", "schedule": 120.0},
    "expire-offers": {"task": "applications.tasks.task_expire_offers", "schedule": 3600.0},
    "remind-overdue-reviews": {"task": "applications.tasks.task_remind_overdue_reviews", "schedule": 3600.0},
    "mark-installments-due": {"task": "grants.tasks.task_mark_due", "schedule": 3600.0},
    "checkin-reminders": {"task": "grants.tasks.task_checkin_reminders", "schedule": 3600.0},
    "ask-grant-outcomes": {"task": "grants.tasks.task_ask_outcomes", "schedule": 3600.0},
    "complete-finished-grants": {"task": "grants.tasks.task_complete_grants", "schedule": 3600.0},
    "retention-sweep": {"task": "applications.tasks.task_retention_sweep", "schedule": crontab(hour=3, minute=0)},
    "remind-referees": {"task": "applications.tasks.task_remind_referees", "schedule": 3600.0},
    "help-webhooks": {"task": "program.tasks.task_help_webhooks", "schedule": 60.0},
    "pull-lab-progress": {
        "task": "program.tasks.task_pull_lab_progress",
        "schedule": env.float("LAB_PULL_INTERVAL_SECONDS", default=120.0),
        "options": {"expires": env.float("LAB_PULL_INTERVAL_SECONDS", default=120.0)},
    },
    "poll-imap": {
        "task": "applications.tasks.task_poll_imap",
        "schedule": env.float("INBOUND_IMAP_POLL_SECONDS", default=60.0),
    },
}

# Inbound mail (applications/intake.py). Only the topmost Authentication-Results header carrying our
# own mail server's authserv-id is trusted; leave INBOUND_AUTHSERV_ID empty to skip the DMARC check.
INBOUND_ADDRESS = env.str("INBOUND_ADDRESS", default="apply@localhost")
INBOUND_AUTHSERV_ID = env.str("INBOUND_AUTHSERV_ID", default="")
INBOUND_MAX_MESSAGE_BYTES = env.int("INBOUND_MAX_MESSAGE_BYTES", default=25 * 1024 * 1024)
INBOUND_MAX_PARTS = env.int("INBOUND_MAX_PARTS", default=100)
INBOUND_MAX_DEPTH = env.int("INBOUND_MAX_DEPTH", default=10)
# IMAP mailboxes polled by beat: imap[s]://user:password@host[:port]/FOLDER[?processed=FOLDER], comma-separated.
INBOUND_IMAP_URLS = env.list("INBOUND_IMAP_URLS", default=[])
INBOUND_IMAP_TIMEOUT = env.float("INBOUND_IMAP_TIMEOUT", default=30.0)
OUTBOUND_MESSAGE_ID_DOMAIN = env.str("OUTBOUND_MESSAGE_ID_DOMAIN", default=INBOUND_ADDRESS.rsplit("@", 1)[-1])
APPLICANT_LINK_MAX_AGE_DAYS = env.int("APPLICANT_LINK_MAX_AGE_DAYS", default=14)
# A message left in "sending" this long by a worker that died goes back to the queue.
OUTBOX_STALE_SECONDS = env.int("OUTBOX_STALE_SECONDS", default=900)
# Days an accepted bootcamp applicant has to confirm their place.
OFFER_RESPONSE_DAYS = env.int("OFFER_RESPONSE_DAYS", default=7)
INTERVIEWS_PER_DAY_CAP = env.int("INTERVIEWS_PER_DAY_CAP", default=6)
# Grants whose total stipend is above this need a second, different approver.
GRANT_SECOND_APPROVAL_ABOVE = env.float("GRANT_SECOND_APPROVAL_ABOVE", default=10000)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=60)
# Payouts (grants/payments/): the account stipends are paid from (the debtor of SEPA files; the example
# IBAN below is refused by `check --deploy`), the business days between export and execution, and whether
# an installment needs the grantee's tax form for its calendar year.
PAYOUT_DEBTOR_NAME = env.str("PAYOUT_DEBTOR_NAME", default="Runway Grants")
PAYOUT_DEBTOR_IBAN = env.str("PAYOUT_DEBTOR_IBAN", default="DE89370400440532013000")
PAYOUT_DEBTOR_BIC = env.str("PAYOUT_DEBTOR_BIC", default="COBADEFFXXX")
PAYOUT_EXECUTION_DAYS = env.int("PAYOUT_EXECUTION_DAYS", default=1)
GRANT_TAX_FORM_REQUIRED = env.bool("GRANT_TAX_FORM_REQUIRED", default=False)
# The privacy notice in force (templates/privacy.html); applications record the version they accepted.
PRIVACY_NOTICE_VERSION = env.str("PRIVACY_NOTICE_VERSION", default="2026-12-01")
# Erasure keeps payment and ledger rows (pseudonymised) this many years for the bookkeeping law.
ERASURE_BOOKS_YEARS = env.int("ERASURE_BOOKS_YEARS", default=10)
# Retention: a person is warned this many days before an unsuccessful application is erased.
RETENTION_WARNING_DAYS = env.int("RETENTION_WARNING_DAYS", default=30)
# Referees' one-time links: valid this many days for a rolling call (or after a call that takes late
# letters closes); one reminder this many days before the call closes.
REFEREE_LINK_DAYS = env.int("REFEREE_LINK_DAYS", default=30)
REFEREE_REMINDER_DAYS = env.int("REFEREE_REMINDER_DAYS", default=3)

# Lab progress pulls (program/progress.py): per pull, a connect and a read timeout and a total deadline
# (a trickling agent cannot hold a pull past it); the whole round has its own deadline.
LAB_PULL_CONNECT_TIMEOUT = env.float("LAB_PULL_CONNECT_TIMEOUT", default=3.0)
LAB_PULL_READ_TIMEOUT = env.float("LAB_PULL_READ_TIMEOUT", default=5.0)
LAB_PULL_DEADLINE = env.float("LAB_PULL_DEADLINE", default=10.0)
LAB_ROUND_DEADLINE = env.float("LAB_ROUND_DEADLINE", default=60.0)
LAB_PULL_MAX_BYTES = env.int("LAB_PULL_MAX_BYTES", default=32 * 1024 * 1024)
LAB_PULL_WORKERS = env.int("LAB_PULL_WORKERS", default=64)
# "Needs help": no newly passing test for this long while the day runs, or this far below the cohort's pace.
LAB_STALL_MINUTES = env.int("LAB_STALL_MINUTES", default=45)
LAB_PACE_MARGIN = env.float("LAB_PACE_MARGIN", default=0.2)

# LOG_FORMAT=json: one JSON object per line, each with the request's or the task's id (program/logs.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"ids": {"()": "program.logs.IdsFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "program.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["ids"],
        },
    },  # fmt: skip
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Mailed to people whose curriculum access request is approved (e.g. how to join the private repository).
CURRICULUM_ACCESS_INSTRUCTIONS = env.str(
    "CURRICULUM_ACCESS_INSTRUCTIONS",
    default="Reply to this message with your GitHub username and we will add you to the private curriculum repository.",
)

# The TA help queue: the expected handling time before the day's first resolved entry.
HELP_DEFAULT_MINUTES = env.int("HELP_DEFAULT_MINUTES", default=5)
