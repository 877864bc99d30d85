"""Cleaning untrusted text where it enters: mail, web forms, curriculum files and lab reports.

PostgreSQL refuses NUL in text columns, and other C0 control characters only ever hide things from a
reader, so text that goes into the database keeps tab and newline and loses the rest (CR LF and a lone
CR become LF). Names and file names also lose the bidirectional controls (U+202E turns
"Alice‮gnp.exe.pdf" into what looks like "Alice fdp.exe.png") and their line breaks. URLs that Runway
renders from data go through `safe_url`, which lets only http and https through.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f]")  # C0 except tab (09) and newline (0a)
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\t\n]+")
URL_SCHEMES = ("http", "https")


def clean_text(value: str) -> str:
    """Text without NUL and other C0 controls (tab and newline kept; CR LF → LF), and without lone
    surrogates (what a mis-decoded header can leave behind, and what no database can store)."""
    if not value:
        return value or ""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROLS.sub("", value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def strip_bidi(value: str) -> str:
    return _BIDI.sub("", value or "")


def clean_name(value: str, max_length: int | None = None) -> str:
    """A person's name or a subject line: one line, NFC, no controls and no bidirectional overrides."""
    value = _LINE_BREAKS.sub(" ", strip_bidi(clean_text(unicodedata.normalize("NFC", value or "")))).strip()
    return value[:max_length] if max_length else value


def clean_filename(value: str, max_length: int = 200) -> str:
    """A file name for display and for Content-Disposition: no folders, controls or bidi overrides."""
    value = clean_name(value.replace("\\", "/").rsplit("/", 1)[-1])
    value = value.replace('"', "'")
    return value.lstrip(".")[:max_length] or "file"


def is_safe_url(value: str) -> bool:
    """An absolute http(s) URL with a host: nothing a browser would run (javascript:, data:, vbscript:)."""
    value = (value or "").strip()
    if not value or _CONTROLS.search(value) or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in URL_SCHEMES and bool(parts.netloc)


def safe_url(value: str) -> str:
    """The URL if it is safe to put in an href, else an empty string (the caller shows plain text)."""
    return value.strip() if is_safe_url(value) else ""


def clean_data(value):
    """`clean_text` applied to every string in nested lists and dicts (a parsed YAML or JSON file)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)) if isinstance(k, str) else k: clean_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_data(v) for v in value]
    return value
