"""The Celery app. Settings come from Django settings with the CELERY_ prefix; tasks.py of each app
is autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("runway")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
