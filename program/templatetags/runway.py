"""Template filters every app uses: `safe_url` for any href built from data."""

from django import template

from program import text
from program.models import Role

register = template.Library()


@register.filter
def safe_url(value) -> str:
    """The URL when it is http(s), else "" (templates then show the text without a link)."""
    return text.safe_url(str(value or ""))


@register.filter
def words(value) -> str:
    """A code shown as words: "in_review" → "In review" (for codes that have no label of their own)."""
    text = str(value or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@register.filter
def role_label(value) -> str:
    """A role code as its label ("ta" → "TA")."""
    return Role(value).label if value in Role.values else words(value)


_TYPES = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (DOCX)",
    "application/vnd.oasis.opendocument.text": "OpenDocument (ODT)",
    "application/rtf": "RTF",
    "text/rtf": "RTF",
    "text/plain": "Text",
}


@register.filter
def file_type(content_type) -> str:
    """A document's type in a word ("PDF", "Word (DOCX)") instead of its MIME type."""
    return _TYPES.get(str(content_type or ""), str(content_type or "") or "link")
