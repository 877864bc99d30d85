"""Screenshots of each role's main pages, taken from the demo: `make screenshots` (or
`.venv/bin/python scripts/screenshots.py`). Seeds a fresh demo in a temporary folder, serves it,
signs in as each demo person and writes docs/screenshots/<role>-<page>.png (1280 px wide)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PAGES = {
    "organizer@runway.test": [("organizer-dashboard", "/dashboard/organizer/"), ("organizer-review-queue", "/applications/calls/mlab3-participants/queue/"),
                              ("organizer-application", "/applications/search/?q=applicant%40runway.test"), ("organizer-grants", "/grants/"),
                              ("organizer-outbox", "/applications/outbox/")],
    "payments@runway.test": [("payments-batches", "/grants/payments/"), ("payments-ledger", "/grants/ledger/")],
    "coordinator@runway.test": [("coordinator-week-board", "/cohorts/mlab3/pairs/?week=2"), ("coordinator-progress", "/cohorts/mlab3/progress/"),
                                ("coordinator-needs-help", "/cohorts/mlab3/help/"), ("coordinator-feedback", "/cohorts/mlab3/feedback/")],
    "reviewer@runway.test": [("reviewer-my-reviews", "/applications/reviews/")],
    "ta1@runway.test": [("ta-today", "/today/")],
    "participant01@runway.test": [("participant-today", "/today/"), ("participant-progress", "/progress/")],
    "applicant@runway.test": [("applicant-dashboard", "/dashboard/applicant/")],
}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    var = Path(tempfile.mkdtemp(prefix="runway-shots-"))
    port = _free_port()
    env = dict(
        os.environ, DEBUG="True", RUNWAY_VAR_DIR=str(var), DATABASE_URL=f"sqlite:///{var / 'demo.sqlite3'}",
        CELERY_TASK_ALWAYS_EAGER="True", EMAIL_URL="dummymail://", SITE_URL=f"http://127.0.0.1:{port}",
    )  # fmt: skip
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "seed_demo", "--quiet"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen([python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT, env=env)
    try:
        time.sleep(3)
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.test import Client
        from playwright.sync_api import sync_playwright

        from program.models import User

        OUT.mkdir(parents=True, exist_ok=True)
        sessions = {}
        for email in PAGES:  # sessions first: Django refuses database calls inside Playwright's event loop
            client = Client()
            client.force_login(User.objects.get(email=email))
            sessions[email] = client.cookies["sessionid"].value
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for email, pages in PAGES.items():
                context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
                context.add_cookies([{"name": "sessionid", "value": sessions[email], "url": env["SITE_URL"]}])
                page = context.new_page()
                for name, path in pages:
                    page.goto(env["SITE_URL"] + path)
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
                    print("wrote", OUT / f"{name}.png", page.evaluate("document.body.scrollHeight"), "px tall")
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
