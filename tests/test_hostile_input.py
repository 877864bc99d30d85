"""Hostile input through every page of the permission matrix, as the person who may use it.

For every URL a role can open: the query string gets each hostile value under every parameter name the
pages read (and every name a GET form on the page uses); every POST form on the page is submitted with
each hostile value in its visible fields, and again in its hidden fields (the ids a page posts back).
Nothing may answer 5xx, nothing stored may keep a control character or a `javascript:` link, and no page
may show a payload unescaped afterwards.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from tests.test_permission_matrix import MATRIX, world  # noqa: F401  (the matrix's fixture)

SCRIPT = "<script>alert(1)</script>"
HOSTILE = [
    "a\x00b",  # NUL: PostgreSQL refuses it in text
    "x" * 10_000,  # overlong
    "Alice \u202egnp.exe.pdf",  # a bidirectional override
    "javascript:alert(document.cookie)",
    "=cmd|' /C calc'!A0",  # a spreadsheet formula
    "{{ 7|add:7 }}{% debug %}",  # template syntax
    "1' OR '1'='1'; DROP TABLE program_user; --",  # SQL
    SCRIPT,
    "-1",
    "99999999999999999999999999",  # beyond any integer column
    "abc",
    "\x1b[31mred\x07\x08",  # other control characters
]
# The query parameters Runway's pages read; GET forms on a page add theirs.
PARAMS = [
    "q", "day", "week", "state", "page", "reviewer", "source", "sort", "outcome", "format", "date", "since",
    "background", "kind", "disagreement", "needs_resume", "of_interest", "contact_ok", "next", "token",
]  # fmt: skip
SKIP_FIELDS = {"csrfmiddlewaretoken"}


class _Forms(HTMLParser):
    """The forms of a page: method, action (or hx-post) and fields with their defaults and options."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            method = "post" if a.get("hx-post") else (a.get("method") or "get").lower()
            self.forms.append({"method": method, "action": a.get("hx-post") or a.get("action") or "", "fields": []})
            return
        if tag == "option" and self._select is not None and not self._select["value"] and a.get("value"):
            self._select["value"] = a["value"]
            return
        if not self.forms or not a.get("name"):
            return
        fields = self.forms[-1]["fields"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "checkbox" and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "reset"):
                fields.append({"name": a["name"], "kind": kind, "value": a.get("value", "")})
        elif tag == "textarea":
            fields.append({"name": a["name"], "kind": "textarea", "value": ""})
        elif tag == "select":
            self._select = {"name": a["name"], "kind": "select", "value": ""}
            fields.append(self._select)
        elif tag == "button" and a.get("type", "submit") == "submit" and not self.forms[-1].get("button"):
            self.forms[-1]["button"] = (a["name"], a.get("value", ""))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _rows():
    """Each matrix row a person can open (200), with that person."""
    seen = set()
    for name, key, method, expected, default in MATRIX:
        people = [p for p, status in expected.items() if status == 200 and p != "anonymous"]
        if default == 200:
            people = ["organizer"]
        if method != "get" or not people or (name, key) in seen:
            continue
        seen.add((name, key))
        yield pytest.param(name, key, people[0], id=f"{name}[{key}]-{people[0]}")


def _url(name, key, objects):
    if key and key.startswith("role:"):
        return reverse(name, kwargs={"role": key.split(":", 1)[1]})
    if key and key.startswith("panel:"):
        _, role, panel = key.split(":")
        return reverse(name, kwargs={"role": role, "key": panel})
    return reverse(name, kwargs=objects.get(key) if key else None)


def _payload(field: dict, value: str, *, hidden: bool) -> object:
    if field["name"] in SKIP_FIELDS:
        return field["value"]
    if field["kind"] == "hidden":
        return value if hidden else field["value"]
    if field["kind"] in ("select", "checkbox", "radio", "file"):
        return field["value"]
    return field["value"] if hidden else value


def _no_server_error(response, what):
    assert response.status_code < 500, f"{what}: {response.status_code}"


def _done(response) -> None:
    """Read a download to its end: the test client then closes its file (closing it ourselves would
    also close the test's database connection)."""
    if response.streaming:
        b"".join(response.streaming_content)


@pytest.mark.parametrize("name,key,person", list(_rows()))
def test_hostile_values_in_every_query_and_form_never_break_a_page(
    client,
    world,  # noqa: F811
    name,
    key,
    person,
):
    people, objects = world
    client.force_login(people[person])
    url = _url(name, key, objects)
    first = client.get(url)
    _done(first)
    html = first.content.decode("utf-8", "replace") if first.status_code == 200 and not first.streaming else ""
    forms = _forms(html) if "text/html" in first.get("Content-Type", "") else []
    if "text/html" in first.get("Content-Type", ""):
        assert "script-src 'self'" in first["Content-Security-Policy"]  # every HTML page has the policy
    params = PARAMS + [f["name"] for form in forms if form["method"] == "get" for f in form["fields"]]

    for value in HOSTILE:
        response = client.get(url, dict.fromkeys(params, value))
        _no_server_error(response, f"GET {url} with {value[:30]!r}")
        _done(response)

    for form in (f for f in forms if f["method"] == "post"):
        target = form["action"] or url
        if urlsplit(target).netloc or target.startswith(("/accounts/", "/admin/")):
            continue  # allauth's and the admin's own forms are theirs to test
        for hidden in (False, True):
            for value in HOSTILE:
                data = {f["name"]: _payload(f, value, hidden=hidden) for f in form["fields"]}
                if form.get("button"):
                    data.setdefault(*form["button"])
                response = client.post(target, data)
                _no_server_error(response, f"POST {target} {sorted(data)} with {value[:30]!r}")
                _done(response)

    _assert_nothing_stored_unchecked()
    after = client.get(url)
    _done(after)
    if after.status_code == 200 and not after.streaming and "text/html" in after.get("Content-Type", ""):
        assert SCRIPT not in after.content.decode("utf-8", "replace")


def _assert_nothing_stored_unchecked():
    """No text column holds a control character (tab and newline aside), and no link column a script URL."""
    bad = []
    for model in apps.get_models():
        if model._meta.app_label not in ("program", "applications", "grants"):
            continue
        text_fields = [f.name for f in model._meta.fields if isinstance(f, models.CharField | models.TextField)]
        for row in model.objects.values("pk", *text_fields):
            for field in text_fields:
                value = row[field] or ""
                if any(ord(c) < 32 and c not in "\t\n" for c in value):
                    bad.append((model.__name__, row["pk"], field, value[:40]))
                if field in ("url", "link") and value.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                    bad.append((model.__name__, row["pk"], field, value[:40]))
    assert bad == []
