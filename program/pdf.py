"""HTML to PDF with WeasyPrint, safely.

WeasyPrint fetches any URL it finds in the HTML (file://, http://), which would let a crafted field
embed a local file in the PDF. Every field is escaped by the template engine, and the fetcher below
allows only data: URLs and Runway's own static files (`runway-static:<path>`).
"""

from __future__ import annotations

import mimetypes

from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_SCHEME = "runway-static:"


class SafeFetcher(URLFetcher):
    """Only data: URLs and `runway-static:<path>` (our own static files); everything else refused."""

    def __init__(self):
        super().__init__(allowed_protocols=["data"], allow_redirects=False, timeout=2)

    def fetch(self, url, headers=None):
        if url.startswith(STATIC_SCHEME):
            path = finders.find(url[len(STATIC_SCHEME) :].lstrip("/"))
            if not path:
                raise ValueError(f"no such static file: {url}")
            with open(path, "rb") as fh:
                body = fh.read()
            return URLFetcherResponse(
                url, body=body, headers={"Content-Type": mimetypes.guess_type(path)[0] or "application/octet-stream"}
            )
        return super().fetch(url, headers)


def render_pdf(html: str) -> bytes:
    return HTML(string=html, url_fetcher=SafeFetcher()).write_pdf()
