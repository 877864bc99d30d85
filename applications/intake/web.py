"""The web form's way in, with the mail pipeline's rules: the same checks of the file, the same
open-application update, the same single acknowledgement."""

from __future__ import annotations

import logging

from django.db import transaction

from applications.intake import documents
from applications.intake.acknowledgements import acknowledge_after_commit
from applications.intake.attachments import add_documents, discard_files
from applications.intake.mime import Attachment, safe_filename
from applications.intake.routing import new_applicant, open_application
from applications.models import Application, Call
from applications.services import create_application
from program.models import User
from program.text import clean_name

log = logging.getLogger(__name__)


def submit_web_application(
    call: Call, *, email: str, name: str, filename: str, data: bytes
) -> tuple[Application, bool]:
    """The web form's way in, with the pipeline's rules: the same checks of the file, the same
    open-application update, the same single acknowledgement. Returns (application, created).
    Raises ValueError with a sentence for the applicant when the file is refused."""
    email = email.strip().lower()
    attachments = []
    if data:
        classification = documents.classify(data, declared_text=filename.lower().endswith(".txt"))
        if not classification.is_document:
            raise ValueError(
                f"“{filename}” is {classification.detail or 'not a document we accept'}. Please upload a PDF, DOCX, ODT, RTF or text file."
            )
        attachments.append(Attachment(safe_filename(filename), data, classification))
    written: list = []
    try:
        with transaction.atomic():
            applicant = User.objects.person_at(email)
            existing = open_application(applicant, call, explicit=True)
            if existing is not None:
                add_documents(existing, None, attachments, written=written)
                return existing, False
            applicant = applicant or new_applicant(email, clean_name(name, 200))
            application = create_application(call, applicant, source=Application.Source.WEB)
            if add_documents(application, None, attachments, written=written) is None:
                application.needs_resume = True
                application.save(update_fields=["needs_resume"])
            acknowledge_after_commit(application, "")
    except Exception:
        discard_files(written)
        raise
    return application, True
