"""Answering a questionnaire: a Django form built from the call's questions, drafts and submission."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from applications.intake import documents
from applications.models import Answer, Application, ApplicationState, Question
from applications.questionnaires.kinds import QuestionKind as K
from applications.questionnaires.kinds import form_field
from applications.services import transition_application
from program.files import delete_after_commit
from program.models import User
from program.text import clean_filename

EDITABLE_STATES = (ApplicationState.RECEIVED, ApplicationState.QUESTIONNAIRE_SENT, ApplicationState.SUBMITTED)


def can_edit(application: Application, at: datetime.datetime | None = None) -> bool:
    """Answers can change until the call's deadline, and never once reviewing has started."""
    at = at or timezone.now()
    deadline_ok = application.call.closes_at is None or at < application.call.closes_at
    return application.state in EDITABLE_STATES and deadline_ok


class QuestionnaireForm(forms.Form):
    """One field per question. `draft=True` makes every field optional (saving is not submitting)."""

    def __init__(
        self,
        *args,
        questions: list[Question],
        answers: dict[int, Answer],
        draft: bool = False,
        resume_on_file: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            answer = answers.get(question.pk)
            field = form_field(question)
            field.required = question.required and not draft
            if question.kind == K.FILE and "resume" in question.key and resume_on_file:
                # The resume came by email already: never ask for it again, only offer to replace it.
                field.required = False
                field.label = "Replace your resume (optional)"
                field.help_text = f"We have your resume “{resume_on_file}”; upload a file only to replace it."
            if question.kind == K.FILE and answer and answer.file:
                field.required = False  # a file already given stays
            if answer is not None and question.kind != K.FILE:
                field.initial = answer.value
            self.fields[question.key] = field

    def clean(self):
        cleaned = super().clean()
        for question in self.questions:
            upload = cleaned.get(question.key) if question.kind == K.FILE else None
            if upload:
                if upload.size > settings.UPLOAD_MAX_BYTES:
                    self.add_error(
                        question.key, f"The file is larger than {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MiB."
                    )
                    continue
                data = upload.read()
                kind = documents.classify(data, declared_text=upload.name.lower().endswith(".txt"))
                if not kind.is_document:
                    self.add_error(
                        question.key,
                        f"This file is {kind.detail or 'not a document we accept'}; please upload a PDF, DOCX, ODT, RTF or text file.",
                    )
                else:
                    cleaned[question.key] = (upload.name, data, kind)
        return cleaned


def _json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def save_answers(application: Application, form: QuestionnaireForm, *, by: User, submit: bool) -> None:
    """Store the answers (a draft or a submission); submitting moves the application to `submitted`."""
    now = timezone.now()
    with transaction.atomic():
        for question in form.questions:
            value = form.cleaned_data.get(question.key)
            if question.kind == K.FILE:
                if not value:
                    continue
                name, data, _kind = value
                answer, _ = Answer.objects.get_or_create(application=application, question=question)
                replaced = answer.file.name
                answer.file.save("upload", ContentFile(data), save=False)
                delete_after_commit(answer.file.storage, replaced)
                answer.original_filename = clean_filename(name, 255)
                answer.updated_at = now
                answer.save()
                continue
            if value in (None, "", []) and not question.required:
                Answer.objects.filter(application=application, question=question).delete()
                continue
            Answer.objects.update_or_create(
                application=application, question=question, defaults={"value": _json_value(value), "updated_at": now}
            )
        application.answers_saved_at = now
        fields = ["answers_saved_at"]
        if submit and application.submitted_at is None:
            application.submitted_at = now
            fields.append("submitted_at")
        if submit and application.privacy_accepted_at is None:  # the questionnaire page shows the notice
            application.privacy_notice_version, application.privacy_accepted_at = settings.PRIVACY_NOTICE_VERSION, now
            fields += ["privacy_notice_version", "privacy_accepted_at"]
        application.save(update_fields=fields)
        if submit and application.state in (ApplicationState.RECEIVED, ApplicationState.QUESTIONNAIRE_SENT):
            transition_application(application, to=ApplicationState.SUBMITTED, by=by, note="questionnaire submitted")
