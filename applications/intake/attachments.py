"""Storing what a message or a web upload brought: accepted files as new document versions (the
resume chosen by its name), or a resume link found in the text; and removing the files of an attempt
that did not commit."""

from __future__ import annotations

import logging
import re

from django.core.files.base import ContentFile

from applications.intake import documents
from applications.intake.mime import Attachment
from applications.models import Application, Document, InboundMessage

log = logging.getLogger(__name__)


_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.I)


_RESUME_URL_HINT = re.compile(
    r"resume|cv|curriculum|lebenslauf|drive\.google|docs\.google|dropbox|onedrive|\.pdf", re.I
)


def add_documents(
    application: Application,
    message: InboundMessage | None,
    accepted: list[Attachment],
    link_from: str = "",
    *,
    fresh: bool = False,
    written: list | None = None,
) -> Document | None:
    """Store accepted files as new document versions; return the resume (file or link), if any.
    Each stored file is added to `written`, so a rolled-back caller can remove it again."""
    resume_attachment = next(
        (a for a in accepted if documents.looks_like_resume(a.filename)), accepted[0] if accepted else None
    )
    resume = None
    for attachment in accepted:
        kind = Document.Kind.RESUME if attachment is resume_attachment else Document.Kind.OTHER
        document = Document(
            application=application,
            kind=kind,
            version=1 if fresh else _next_version(application, kind),
            original_filename=attachment.filename or f"document.{attachment.classification.extension}",
            content_type=attachment.classification.content_type,
            sha256=attachment.sha256,
            size=len(attachment.data),
            source_message=message,
        )
        document.file.save("upload", ContentFile(attachment.data), save=False)
        if written is not None:
            written.append(document.file)
        document.save()
        if kind == Document.Kind.RESUME:
            resume = document
    if resume is None and link_from:
        urls = _URL.findall(link_from)
        url = next((u for u in urls if _RESUME_URL_HINT.search(u)), None)
        if url:
            resume = Document.objects.create(
                application=application,
                kind=Document.Kind.LINK,
                version=_next_version(application, Document.Kind.LINK),
                url=url[:2000],
                source_message=message,
            )
    if resume is not None and application.needs_resume:
        application.needs_resume = False
        application.save(update_fields=["needs_resume"])
    return resume


def _next_version(application: Application, kind: str) -> int:
    latest = (
        Document.objects.filter(application=application, kind=kind)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return (latest or 0) + 1


def discard_files(files: list) -> None:
    """Remove the files of an attempt whose rows were rolled back (they would be orphans)."""
    for stored in files:
        try:
            stored.storage.delete(stored.name)
        except Exception:
            log.exception("Could not remove %s after a failed attempt", stored.name)
