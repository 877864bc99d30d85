"""Questionnaires: a call's questions (every kind) and an application's answers."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from applications.models.calls import Application, Call
from applications.models.mail import answer_upload_to
from applications.questionnaires.kinds import QuestionKind, kind_choices  # noqa: F401  (re-exported)


class Questionnaire(models.Model):
    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="questionnaire")
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=60, help_text="Stable name used in exports.")
    kind = models.CharField(max_length=20, choices=kind_choices)
    label = models.CharField(max_length=500)
    help_text = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True, help_text="Options for choice questions.")
    dates = models.JSONField(default=list, blank=True, help_text="ISO dates for an availability grid.")

    class Meta:
        ordering = ["questionnaire", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "key"], name="question_key_unique")]

    def __str__(self) -> str:
        return self.label


class Answer(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField(null=True, blank=True)
    file = models.FileField(upload_to=answer_upload_to, blank=True, max_length=200)
    original_filename = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "question"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"{self.question.key} of application #{self.application_id}"
