"""System checks: configuration mistakes show up at `manage.py check`, not at the first request."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.compatibility, deploy=True)
def check_production_services(app_configs, **kwargs):
    problems = []
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            Warning(
                "SQLite is the database.",
                hint="Set DATABASE_URL to a PostgreSQL database: money and locks need select_for_update().",
                id="runway.W001",
            )
        )
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        problems.append(
            Warning(
                "The Celery broker is a local folder.",
                hint="Set CELERY_BROKER_URL to Redis (redis://host:6379/0) so workers on other hosts get tasks.",
                id="runway.W002",
            )
        )
    if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "filebased.EmailBackend")):
        problems.append(
            Warning(
                "Email is written to the console or files, not sent.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587.",
                id="runway.W003",
            )
        )
    if "locmem" in settings.CACHES["default"]["BACKEND"].lower():
        problems.append(
            Warning(
                "The cache is per process, so login rate limits are not shared between web processes.",
                hint="Set CACHE_URL to Redis, e.g. rediscache://host:6379/1.",
                id="runway.W004",
            )
        )
    if settings.PAYOUT_DEBTOR_IBAN == "DE89370400440532013000":
        problems.append(
            Warning(
                "Payout files would be paid from the example account.",
                hint="Set PAYOUT_DEBTOR_NAME, PAYOUT_DEBTOR_IBAN and PAYOUT_DEBTOR_BIC to the program's bank account.",
                id="runway.W005",
            )
        )
    return problems
