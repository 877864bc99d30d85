"""Template filters every app uses: `safe_url` for any href built from data."""

from django import template

from program import text

register = template.Library()


@register.filter
def safe_url(value) -> str:
    """The URL when it is http(s), else "" (templates then show the text without a link)."""
    return text.safe_url(str(value or ""))
