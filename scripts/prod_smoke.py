"""The smoke checks of `make prod-check` against a running production profile (see prod_check.sh):
health with a real worker, HTTPS redirect and secure cookies behind the TLS proxy header, hashed and
compressed static files, JSON request logs with ids, and one browser journey (a participant signs in
and opens Today with the stylesheet applied). Exit status 1 with what failed."""

from __future__ import annotations

import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE, VAR = sys.argv[1].rstrip("/"), Path(sys.argv[2])
HTTPS = {"X-Forwarded-Proto": "https"}
failures: list[str] = []


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(path: str, headers: dict | None = None):
    request = urllib.request.Request(BASE + path, headers=headers or {})
    try:
        return urllib.request.build_opener(NoRedirect).open(request, timeout=10)
    except urllib.error.HTTPError as error:
        return error


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def worker_round_trip() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django  # noqa: PLC0415

    django.setup()
    from config.celery import app  # noqa: PLC0415

    app.send_task("program.tasks.task_record_heartbeat")  # a real worker takes it from Redis
    for _ in range(60):
        health = json.loads(get("/healthz", HTTPS).read())
        if health["worker"] == "ok":
            break
        time.sleep(0.5)
    check(
        health == {"status": "ok", "database": "ok", "broker": "ok", "worker": "ok"},
        f"/healthz with a worker: {health}",
    )


def http_checks() -> None:
    plain = get("/accounts/login/")
    check(plain.status == 301 and plain.headers["Location"].startswith("https://"), "plain http redirects to https")
    login = get("/accounts/login/", HTTPS)
    page = login.read().decode()
    cookies = login.headers.get_all("Set-Cookie") or []
    check(login.status == 200, "sign-in page behind the proxy")
    check(any(c.startswith("csrftoken=") and "Secure" in c for c in cookies), "CSRF cookie is Secure")
    check(login.headers.get("Strict-Transport-Security", "").startswith("max-age="), "HSTS header")
    css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
    check(css is not None, "stylesheet under a hashed name")
    if css:
        static = get(css.group(1), {**HTTPS, "Accept-Encoding": "gzip, br"})
        check(
            static.status == 200 and static.headers.get("Content-Encoding") in ("gzip", "br"), "static CSS compressed"
        )
        check("max-age=315360000" in static.headers.get("Cache-Control", ""), "static CSS cached for a year")
    check(login.headers.get("X-Request-ID", "") != "", "response carries X-Request-ID")


def log_checks() -> None:
    lines = [line for line in (VAR / "web.log").read_text().splitlines() if line.startswith("{")]
    requests = [json.loads(line) for line in lines if '"message": "request"' in line]
    check(
        bool(requests) and all(r.get("request_id") and "status" in r for r in requests),
        "JSON request log lines with ids",
    )


def browser_journey() -> None:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                                             args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        context = browser.new_context(extra_http_headers=HTTPS)
        page = context.new_page()
        page.goto(f"{BASE}/accounts/login/")
        page.locator("input[name=login]").fill("participant01@runway.test")
        page.locator("input[name=password]").fill("runway-demo")
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(re.compile(r"/dashboard/"), timeout=15_000)
        page.goto(f"{BASE}/today/")
        styled = page.evaluate("getComputedStyle(document.body).fontFamily")
        session = [c for c in context.cookies() if c["name"] == "sessionid"]
        check("Today" in page.title() or page.locator("h1").count() == 1, "participant reaches Today")
        check("Times" not in styled, f"stylesheet applied (body font: {styled})")
        check(bool(session) and session[0]["secure"] and session[0]["httpOnly"], "session cookie Secure and HttpOnly")
        apply_journey(browser, VAR / "resume.pdf")
        browser.close()


def apply_journey(browser, resume: Path) -> None:
    """An applicant applies on the web form with a PDF: a multipart POST whose CSRF check passes behind
    the proxy header, the file stored, the thank-you page, and the acknowledgement queued for the worker."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.fixtures.mail.make_corpus import pdf  # noqa: PLC0415

    resume.write_bytes(pdf("Grace Hopper, compilers"))
    context = browser.new_context(extra_http_headers=HTTPS)
    page = context.new_page()
    page.goto(f"{BASE}/applications/apply/retraining-grants/")
    page.locator("input[name=name]").fill("Grace Hopper")
    page.locator("input[name=email]").fill("grace.prodcheck@example.org")
    page.locator("input[name=resume]").set_input_files(str(resume))
    page.get_by_role("button", name="Send my application").click()
    page.wait_for_load_state()
    check(page.locator("h1").inner_text() == "Thank you", "an applicant applies on the web form with a PDF")
    context.close()
    for _ in range(60):  # the worker sends the acknowledgement (EMAIL_URL: files under VAR/mail)
        sent = [f for f in (VAR / "mail").glob("*") if b"grace.prodcheck@example.org" in f.read_bytes()]
        if sent:
            break
        time.sleep(0.5)
    check(bool(sent), "the worker sent the applicant's acknowledgement")


if __name__ == "__main__":
    for step in (http_checks, worker_round_trip, log_checks, browser_journey):
        try:
            step()
        except Exception as error:  # noqa: BLE001
            check(False, f"{step.__name__}: {type(error).__name__}: {error}")
    sys.exit(1 if failures else 0)
