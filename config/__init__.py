"""The project: settings (all from the environment), root URLs, the Celery app, WSGI/ASGI. It sits on
top of every app and is imported by none."""

from .celery import app as celery_app

__all__ = ("celery_app",)
