"""Development only: every email the file backend wrote (`make run` sets EMAIL_URL=filemail://var/mail),
newest first, at /dev/mail/. Answers 404 unless DEBUG is on and the file backend is in use."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def _messages(folder: Path, limit: int = 50) -> list[dict]:
    """The newest messages of the folder (each file holds one or more, separated by a line of dashes)."""
    found = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit]:
        for chunk in reversed(path.read_bytes().split(b"\n" + b"-" * 79 + b"\n")):
            if not chunk.strip():
                continue
            msg = message_from_bytes(chunk.strip(), policy=policy.default)
            body = msg.get_body(preferencelist=("plain", "html"))
            found.append(
                {
                    "to": msg.get("To", ""),
                    "subject": msg.get("Subject", ""),
                    "date": msg.get("Date", ""),
                    "body": body.get_content() if body is not None else "",
                }
            )
    return found[:limit]


@require_GET
def dev_mail(request: HttpRequest) -> HttpResponse:
    if not settings.DEBUG or settings.EMAIL_BACKEND != FILE_BACKEND:
        raise Http404("Only in development, with the file email backend.")
    folder = Path(settings.EMAIL_FILE_PATH)
    messages = _messages(folder) if folder.is_dir() else []
    return render(request, "program/dev_mail.html", {"messages": messages, "folder": folder})
