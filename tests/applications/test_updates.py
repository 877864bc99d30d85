"""Updates sign-up (double opt-in, one-click unsubscribe), announcements in batches and curriculum
access requests, end to end against a real SMTP server on 127.0.0.1."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from applications.models import AccessRequest, Announcement, OutboundMessage, Subscriber
from applications.updates import services as updates
from program.models import Curriculum
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db


def _link(message, path):
    body = (
        message.get_payload(decode=True)
        if not message.is_multipart()
        else message.get_payload(0).get_payload(decode=True)
    )
    return re.search(rf"https?://\S+{path}\S+/", body.decode()).group(0)


def _sign_up(client, email, interests, capture):
    with capture(execute=True):
        response = client.post(
            reverse("updates:sign-up"), {"email": email, "name": "Vic Visitor", "interests": interests}
        )
    assert response.status_code == 200 and "Check your inbox" in response.content.decode()


def test_double_opt_in_then_announcement_then_one_click_unsubscribe(
    smtp, organizer, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    client = Client(enforce_csrf_checks=False)
    _sign_up(client, "vic@example.org", ["bootcamp", "grants"], django_capture_on_commit_callbacks)
    _sign_up(client, "tara@example.org", ["ta"], django_capture_on_commit_callbacks)
    _sign_up(client, "never@example.org", ["bootcamp"], django_capture_on_commit_callbacks)  # never confirms
    confirmations = {m["To"]: m for m in smtp.messages}
    assert set(confirmations) == {"vic@example.org", "tara@example.org", "never@example.org"}
    confirm_url = _link(confirmations["vic@example.org"], "/updates/confirm/")

    assert "Yes, send me updates" in client.get(confirm_url).content.decode()  # a GET (link scanner) confirms nothing
    assert Subscriber.objects.get(email="vic@example.org").state == "pending"
    client.post(confirm_url)
    client.post(_link(confirmations["tara@example.org"], "/updates/confirm/"))
    assert Subscriber.objects.get(email="vic@example.org").state == "confirmed"

    announcement = updates.compose("Applications open", "MLAB4 is open.", "bootcamp", by=organizer)
    with django_capture_on_commit_callbacks(execute=True):
        queued = updates.send(announcement)

    received = [m for m in smtp.messages if m["Subject"] == "Applications open"]
    assert queued == 1 and [m["To"] for m in received] == ["vic@example.org"]  # confirmed and in the segment
    unsubscribe_url = re.fullmatch(r"<(.+)>", re.sub(r"\s+", "", received[0]["List-Unsubscribe"])).group(1)
    assert received[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_url in _link(received[0], "/updates/unsubscribe/")
    announcement.refresh_from_db()
    assert (announcement.state, announcement.recipients) == ("sent", 1)
    with pytest.raises(updates.UpdatesError, match="already sent"):
        updates.send(announcement)

    one_click = Client(enforce_csrf_checks=True).post(unsubscribe_url, {"List-Unsubscribe": "One-Click"})

    gone = Subscriber.objects.get(email_hash=Subscriber.hash_of("vic@example.org"))
    assert one_click.status_code == 200
    assert (gone.state, gone.email, gone.name, gone.interests) == ("unsubscribed", "", "", [])
    again = updates.compose("Second", "More news.", "", by=organizer)
    with django_capture_on_commit_callbacks(execute=True):
        assert updates.send(again) == 1  # only tara is left
    assert [m["To"] for m in smtp.messages if m["Subject"] == "Second"] == ["tara@example.org"]


def test_signing_up_again_after_unsubscribing_needs_a_new_confirmation(settings, django_capture_on_commit_callbacks):
    subscriber = updates.subscribe("a@example.org", "A", ["ta"])
    updates.confirm(subscriber.token)
    updates.unsubscribe(subscriber.token)

    again = updates.subscribe("A@example.org ", "A", ["grants"])

    assert again.pk == subscriber.pk and again.state == "pending" and again.token != subscriber.token
    assert updates.confirm(subscriber.token) is None  # the old link is dead
    assert Subscriber.objects.count() == 1


def test_subscribe_refuses_no_interest():
    with pytest.raises(updates.UpdatesError, match="at least one"):
        updates.subscribe("a@example.org", "A", ["spam"])


def test_unknown_unsubscribe_link_is_a_404(client):
    assert client.post(reverse("updates:unsubscribe", kwargs={"token": "nope"})).status_code == 404


def test_notify_call_tells_only_that_kinds_subscribers_once(client, organizer, django_capture_on_commit_callbacks):
    for email, interest in [("p@example.org", "bootcamp"), ("t@example.org", "ta")]:
        updates.confirm(updates.subscribe(email, "", [interest]).token)
    call = CallFactory(kind="ta", name="MLAB4 TAs")
    client.force_login(organizer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("updates:notify-call", kwargs={"slug": call.slug}))
        client.post(reverse("updates:notify-call", kwargs={"slug": call.slug}))

    messages = OutboundMessage.objects.filter(kind="announcement")
    assert [m.to_email for m in messages] == ["t@example.org"] and "MLAB4 TAs" in messages[0].subject
    assert Announcement.objects.filter(call=call).count() == 1


def test_access_request_approved_with_version_then_revoked(
    client, organizer, settings, django_capture_on_commit_callbacks
):
    settings.CURRICULUM_ACCESS_INSTRUCTIONS = "Send us your GitHub handle."
    Curriculum.objects.create(slug="mlab", name="MLAB curriculum", version="2026.11")
    response = client.post(
        reverse("updates:access"),
        {"name": "Rea Researcher", "email": "rea@example.org", "affiliation": "Uni", "reason": "Teaching a course"},
    )
    request = AccessRequest.objects.get()
    client.force_login(organizer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("updates:access-requests"), {"request": request.pk, "action": "approve"})
    client.post(
        reverse("updates:access-requests"), {"request": request.pk, "action": "revoke", "note": "left the course"}
    )

    request.refresh_from_db()
    mail = OutboundMessage.objects.get(kind="access-approved")
    assert response.status_code == 200 and "Request received" in response.content.decode()
    assert (request.state, request.version, request.decided_by, request.note) == (
        "revoked",
        "2026.11",
        organizer,
        "left the course",
    )
    assert (
        mail.to_email == "rea@example.org"
        and "Send us your GitHub handle." in mail.body_text
        and "2026.11" in mail.body_text
    )
    with pytest.raises(updates.UpdatesError, match="already revoked"):
        updates.decide_access(request, approve=True, by=organizer)


@pytest.mark.parametrize(
    "body,expected_start",
    [
        ("Applications for MLAB4 are open.", "Hello Lena Fischer,\n\nApplications"),
        ("Hello,\nMLAB4 is open.", "Hello,\nMLAB4"),
    ],
)
def test_an_announcement_greets_once(organizer, body, expected_start):
    Subscriber.objects.create(
        email="lena@example.org", email_hash=Subscriber.hash_of("lena@example.org"), name="Lena Fischer",
        interests=["bootcamp"], state=Subscriber.State.CONFIRMED,
    )  # fmt: skip
    announcement = updates.compose("MLAB4", body, "bootcamp", by=organizer)

    updates.send(announcement)

    assert OutboundMessage.objects.get(announcement=announcement).body_text.startswith(expected_start)
