"""Question kinds: what a questionnaire can ask, and the form field that asks it. A new kind is a
member of `QuestionKind` and a case in `form_field`, both here; `Question.kind` reads its choices from
`kind_choices`, so adding one needs no migration."""

from __future__ import annotations

import datetime

from django import forms
from django.db import models

from program.validators import HttpURLField

YES_NO = [("yes", "Yes"), ("no", "No")]


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    URL = "url", "URL"
    FILE = "file", "File upload"
    YES_NO = "yes_no", "Yes / no"
    AVAILABILITY = "availability", "Availability grid of dates"


K = QuestionKind


def kind_choices() -> list[tuple[str, str]]:
    """The model field's choices (a callable: a new kind needs no migration)."""
    return QuestionKind.choices


def form_field(question) -> forms.Field:
    """The form field that asks `question` (a Question row: its kind, label, help text, choices, dates)."""
    common = {"label": question.label, "help_text": question.help_text}
    match question.kind:
        case K.SHORT_TEXT:
            return forms.CharField(max_length=500, **common)
        case K.LONG_TEXT:
            return forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 5}), **common)
        case K.SINGLE_CHOICE:
            return forms.ChoiceField(choices=[(c, c) for c in question.choices], widget=forms.RadioSelect, **common)
        case K.MULTIPLE_CHOICE:
            return forms.MultipleChoiceField(
                choices=[(c, c) for c in question.choices], widget=forms.CheckboxSelectMultiple, **common
            )
        case K.NUMBER:
            return forms.DecimalField(max_digits=12, decimal_places=2, **common)
        case K.DATE:
            return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        case K.URL:
            return HttpURLField(max_length=2000, **common)
        case K.FILE:
            return forms.FileField(**common)
        case K.YES_NO:
            return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
        case K.AVAILABILITY:
            choices = [(d, datetime.date.fromisoformat(d).strftime("%a %d %b")) for d in question.dates]
            return forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple(attrs={"class": "grid"}), **common
            )
    raise ValueError(f"Unknown question kind {question.kind!r}")
