"""Browser journey: a visitor signs up for updates, confirms by email, receives an announcement, and
unsubscribes with the link in it (a real SMTP server on 127.0.0.1 receives every message)."""

import re

import pytest

from applications.models import Subscriber
from applications.updates import services as updates
from program.models import Role
from tests.conftest import make_person

pytestmark = pytest.mark.e2e


def _body(message) -> str:
    part = message.get_payload(0) if message.is_multipart() else message
    return part.get_payload(decode=True).decode()


def test_sign_up_confirm_receive_unsubscribe(transactional_db, live_server, page, smtp, settings):
    settings.SITE_URL = live_server.url
    organizer = make_person("olga@example.org", Role.ORGANIZER, full_name="Olga Organizer")

    page.goto(f"{live_server.url}/updates/")
    page.get_by_label("Email").fill("vic@example.org")
    page.get_by_label("Name").fill("Vic Visitor")
    page.get_by_label("Retraining grants").check()
    page.get_by_role("button", name="Sign up").click()
    page.locator("#check-inbox").wait_for()

    confirm_url = re.search(r"http\S+/updates/confirm/\S+/", _body(smtp.messages[-1])).group(0)
    page.goto(confirm_url)
    page.get_by_role("button", name="Yes, send me updates").click()
    page.locator("#confirmed").wait_for()

    updates.send(updates.compose("Grants are open", "Apply for a retraining grant.", "grants", by=organizer))
    announcement = next(m for m in smtp.messages if m["Subject"] == "Grants are open")
    assert "Apply for a retraining grant." in _body(announcement)
    unsubscribe_url = re.search(r"http\S+/updates/unsubscribe/\S+/", _body(announcement)).group(0)

    page.goto(unsubscribe_url)
    page.get_by_role("button", name="Unsubscribe").click()
    page.locator("#unsubscribed").wait_for()

    gone = Subscriber.objects.get()
    assert (gone.state, gone.email, gone.name) == ("unsubscribed", "", "")
