"""The demo, crawled as every role would: sign in, follow every link and htmx GET reachable from the
dashboard, and check each page: no 4xx or 5xx, no `nan`, `None` or raw state slug in what a person
reads, and axe-core (in Chromium) finds no serious or critical accessibility violation on any kind of
page."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import Resolver404, resolve

from program.models import User
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

ROLES = [
    "organizer@runway.test",
    "payments@runway.test",
    "coordinator@runway.test",
    "reviewer@runway.test",
    "interviewer@runway.test",
    "ta1@runway.test",
    "participant01@runway.test",
    "applicant@runway.test",
]
SKIP = ("/accounts/logout", "/admin/", "/static/", "/dev/", "/healthz")
MAX_PAGES = 1500  # per role; every link and htmx GET (filters and pages of lists included)


class _Page(HTMLParser):
    """Links and htmx GETs of a page, and the text a person reads (not inside <code>, scripts or styles)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.fragments, self.text, self._skip = [], [], [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "code", "pre"):
            self._skip += 1
        if a.get("href") and tag != "link":
            self.links.append(a["href"])
        if a.get("hx-get"):
            self.fragments.append(a["hx-get"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _slugs() -> set[str]:
    """Every state or kind code with an underscore: shown raw, it is a slug, not a word."""
    found = set()
    for model in apps.get_models():
        for field in model._meta.fields:
            if isinstance(field, models.CharField) and field.choices and not callable(field.choices):
                found |= {str(value) for value, _label in field.choices if "_" in str(value)}
    return found


def _route(path: str) -> str:
    try:
        return resolve(path).route
    except Resolver404:
        return path


def _crawl(client: Client, start: str, slugs: set[str]) -> tuple[dict, list]:
    """Breadth-first from the dashboard; returns {route: an example path} of HTML pages, and problems."""
    seen, queue, routes, problems, fragments = {start}, deque([start]), {}, [], set()
    slug_words = re.compile(r"(?<![\w/.-])(" + "|".join(sorted(map(re.escape, slugs))) + r")(?![\w/.-])")
    while queue and len(seen) <= MAX_PAGES:
        path = queue.popleft()
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
        if response.status_code >= 400:
            problems.append(f"{path}: HTTP {response.status_code}")
            continue
        if response.status_code in (301, 302):
            target = urlsplit(response["Location"]).path
            if target not in seen and not target.startswith(SKIP):
                seen.add(target)
                queue.append(target)
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Page()
        parser.feed(response.content.decode("utf-8", "replace"))
        text = " ".join(" ".join(parser.text).split())
        for node in parser.text:  # a value printed raw: a cell that is only "None" or "nan", or "x: None"
            node = node.strip()
            if node in ("None", "nan", "NaN") or re.search(r"[:=]\s*(None|nan)\b", node):
                problems.append(f"{path}: shows “{node[:40]}”")
        for match in set(slug_words.findall(text)):
            problems.append(f"{path}: shows the code “{match}” instead of words")
        if path not in fragments:  # htmx fragments are checked for status and text; axe checks whole pages
            routes.setdefault(_route(path), path)
        fragments.update(urldefrag(f)[0] for f in parser.fragments)
        for link in parser.links + parser.fragments:
            link = urldefrag(link)[0]
            parts = urlsplit(link)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return routes, problems


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--quiet")


def test_every_role_reaches_only_working_readable_accessible_pages(demo, live_server, page):
    from axe_playwright_python.sync_playwright import Axe

    slugs, problems, axe = _slugs(), [], Axe()
    checked = set()
    for email in ROLES:
        user = User.objects.get(email=email)
        client = Client()
        client.force_login(user)
        dashboard = client.get("/", follow=False)["Location"]
        routes, found = _crawl(client, dashboard, slugs)
        problems += [f"{email} {p}" for p in found]
        sign_in(page.context, live_server, user)
        for route, path in sorted(routes.items()):
            if (email.split("@")[0].rstrip("0123456789"), route) in checked:
                continue
            checked.add((email.split("@")[0].rstrip("0123456789"), route))
            page.goto(f"{live_server.url}{path}")
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in violation["nodes"]][:3]
                    problems.append(f"{email} {path}: axe {violation['id']} ({violation['impact']}) at {targets}")

    assert problems == []
