"""IMAP polling against a real Dovecot on 127.0.0.1, started by the test."""

import imaplib

import pytest

from applications.intake import imap
from applications.models import Application, InboundMessage
from tests.conftest import IN_CI
from tests.servers.dovecot import PASSWORD, USER, Dovecot, available

from .test_intake_corpus import CORPUS


@pytest.fixture
def dovecot():
    if not available():
        if IN_CI:
            pytest.fail("Dovecot is required under CI=true (apt-get install dovecot-imapd)", pytrace=False)
        pytest.skip("Dovecot not installed (apt-get install dovecot-imapd)")
    server = Dovecot().start()
    yield server
    server.stop()


def _append(server, *names: str) -> None:
    conn = imaplib.IMAP4("127.0.0.1", server.port)
    conn.login(USER, PASSWORD)
    for name in names:
        assert conn.append("INBOX", None, None, (CORPUS / name).read_bytes())[0] == "OK"
    conn.logout()


def _flagged(server, folder="INBOX") -> tuple[list[bytes], list[bytes]]:
    conn = imaplib.IMAP4("127.0.0.1", server.port)
    conn.login(USER, PASSWORD)
    conn.select(folder)
    flagged = conn.uid("SEARCH", None, "KEYWORD", imap.KEYWORD)[1][0].split()
    everything = conn.uid("SEARCH", None, "ALL")[1][0].split()
    conn.logout()
    return flagged, everything


@pytest.mark.django_db
def test_poll_processes_new_messages_then_flags_them(dovecot, settings):
    settings.INBOUND_IMAP_URLS = [dovecot.url()]
    _append(dovecot, "02_pdf_resume.eml", "17_auto_submitted.eml", "20_mailing_list.eml")

    processed = imap.poll_all()
    again = imap.poll_all()

    outcomes = sorted(InboundMessage.objects.values_list("outcome", flat=True))
    flagged, everything = _flagged(dovecot)
    assert (processed, again) == (3, 0)
    assert outcomes == ["application_created", "auto_reply_ignored", "list_ignored"]
    assert flagged == everything and len(everything) == 3
    assert InboundMessage.objects.filter(source="imap", source_ref__contains=";UID=1").count() == 1


@pytest.mark.django_db
def test_crash_between_fetch_and_flag_creates_no_duplicate(dovecot, settings, monkeypatch):
    settings.INBOUND_IMAP_URLS = [dovecot.url()]
    _append(dovecot, "02_pdf_resume.eml")
    real_uid = imaplib.IMAP4.uid

    def store_fails(self, command, *args):
        if command == "STORE":
            raise OSError("connection lost before flagging")
        return real_uid(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", store_fails)
    imap.poll_all()  # fetched and processed, never flagged
    monkeypatch.setattr(imaplib.IMAP4, "uid", real_uid)

    imap.poll_all()

    assert list(InboundMessage.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "application_created",
        "duplicate_ignored",
    ]
    assert Application.objects.count() == 1
    assert _flagged(dovecot)[0] == [b"1"]


@pytest.mark.django_db
def test_processed_messages_can_be_moved_to_a_folder(dovecot, settings):
    settings.INBOUND_IMAP_URLS = [dovecot.url(processed="Done")]
    _append(dovecot, "04_odt_resume.eml")

    imap.poll_all()

    assert _flagged(dovecot, "INBOX")[1] == []
    assert len(_flagged(dovecot, "Done")[1]) == 1


@pytest.mark.django_db
def test_wrong_password_is_logged_and_nothing_breaks(dovecot, settings, caplog):
    settings.INBOUND_IMAP_URLS = [dovecot.url().replace(PASSWORD, "wrong")]

    assert imap.poll_all() == 0
    assert "poll failed" in caplog.text


def test_mailbox_url_parsing():
    box = imap.Mailbox.from_url(
        "imaps://apply%40runway.org:p%40ss@mail.example.org/Applications?processed=Done&call=mlab3-ta"
    )

    assert (box.host, box.port, box.ssl, box.username, box.password) == (
        "mail.example.org",
        993,
        True,
        "apply@runway.org",
        "p@ss",
    )
    assert (box.folder, box.processed_folder, box.call_slug) == ("Applications", "Done", "mlab3-ta")
    with pytest.raises(ValueError):
        imap.Mailbox.from_url("pop3://host/")
