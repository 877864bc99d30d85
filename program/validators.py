"""Validators for data Runway renders back: URLs (http and https only) and reading lists."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.deconstruct import deconstructible

from .text import clean_name, is_safe_url


@deconstructible
class HttpUrlValidator(URLValidator):
    """An absolute http or https URL: no javascript:, data:, vbscript: or file: link is ever stored."""

    message = "Enter a web address starting with http:// or https://."

    def __init__(self, **kwargs):
        super().__init__(schemes=["http", "https"], **kwargs)

    def __call__(self, value):
        if not is_safe_url(value):
            raise ValidationError(self.message, code=self.code, params={"value": value})
        super().__call__(value)


validate_http_url = HttpUrlValidator()


class HttpURLField(forms.URLField):
    """A form's URL field that accepts only http(s); a bare host gets https://."""

    default_validators = [validate_http_url]

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


def validate_readings(value) -> None:
    """A curriculum day's readings: a list of {title, url} with http(s) URLs."""
    if not isinstance(value, list):
        raise ValidationError("Readings are a list of {title, url}.")
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("title", ""), str):
            raise ValidationError("Each reading is {title, url}.")
        url = item.get("url", "")
        if url and not is_safe_url(url):
            raise ValidationError(
                f"Reading “{item.get('title', '')[:80]}”: the link must start with http:// or https://."
            )


class NameField(forms.CharField):
    """A person's name: one line, no control characters, no bidirectional overrides."""

    def to_python(self, value):
        return clean_name(super().to_python(value))


# For admin classes whose models have URL fields: an https default and the http(s)-only check.
URL_FORMFIELDS = {models.URLField: {"form_class": HttpURLField}}
