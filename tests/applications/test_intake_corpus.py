"""The intake corpus (tests/fixtures/mail/, made by make_corpus.py) through `ingest_email --json`,
checked field by field, in order: later messages reply to, repeat or bounce earlier ones."""

import hashlib
import io
import json
import unicodedata
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from applications.models import Application, Document, InboundMessage, OutboundMessage
from tests.factories import CallFactory

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
NFC = lambda s: unicodedata.normalize("NFC", s)  # noqa: E731

# name: (outcome, reason, applicant_email, applicant_name, resume_filename, same application as message NN)
EXPECTED = {
    "01": ("application_created", None, "ada.lovelace@example.org", "Ada Lovelace", None, None),
    "02": ("application_created", None, "grace@example.org", "Grace Hopper", "resume.pdf", None),
    "03": ("application_created", None, "jurgen@example.de", "Jurgen Schmidt", NFC("CV_Jürgen.docx"), None),
    "04": ("application_created", None, "olga@example.org", "Olga", "resume.odt", None),
    "05": ("application_created", None, "ray@example.org", "Ray Tf", "resume.rtf", None),
    "06": ("application_created", None, "andre@example.fr", "André Lefèvre", "resume.txt", None),
    "07": ("application_created", None, "jose@example.es", "José Müller", "currículum José.pdf", None),
    "08": ("application_created", None, "fiona@example.org", "Fiona Forward", "candidate-resume.pdf", None),
    "09": ("application_created", None, "outlook@example.org", "Outlook User", "Lebenslauf.pdf", None),
    "10": ("application_created", None, "carmen@example.org", "Carmen Cover", "Currículo.pdf", None),
    "11": ("application_created", None, "linus@example.org", "Linus Link", None, None),
    "12": ("application_created", None, "ivy@example.org", "Ivy Inline", "ivy.pdf", None),
    "13": ("application_updated", None, "grace@example.org", "Grace Hopper", "resume-v2.pdf", "02"),
    "14": ("application_updated", None, "ada.lovelace@example.org", "Ada Lovelace", None, "01"),
    "15": ("duplicate_ignored", None, "grace@example.org", "Grace Hopper", None, None),
    "16": ("duplicate_ignored", None, "olga@example.org", "Olga", None, None),
    "17": ("auto_reply_ignored", None, "busy@example.org", "Busy Person", None, None),
    "18": ("auto_reply_ignored", None, "busy2@example.org", "Busy Person", None, None),
    "19": ("auto_reply_ignored", None, "busy3@example.org", "Busy Person", None, None),
    "20": ("list_ignored", None, "news@lists.example.org", "ML News", None, None),
    "21": ("list_ignored", None, "promo@example.com", "Promo", None, None),
    "22": ("bounce_recorded", None, "mailer-daemon@mx.example.org", "Mail Delivery System", None, "02"),
    "23": ("reply_attached", None, "ada.lovelace@example.org", "Ada Lovelace", "Ada_Lovelace_CV.pdf", "01"),
    "24": ("reply_attached", None, "jurgen@example.de", "Jurgen Schmidt", None, "03"),
    "25": ("rejected", "executable_attachment", "mal@example.org", "Mal Ware", None, None),
    "26": ("rejected", "archive_attachment", "zip@example.org", "Zip Per", None, None),
    "27": ("rejected", "pdf_active_content", "jay@example.org", "Jay Script", None, None),
    "28": ("rejected", "pdf_active_content", "launch@example.org", "Lau Nch", None, None),
    "29": ("rejected", "auth_failed", "ceo@bank.example", "Spoofer", None, None),
    "30": ("application_created", None, "honest@example.net", "Honest Person", "resume.pdf", None),
    "31": ("application_created", None, "also@example.net", "Also Honest", "resume.pdf", None),
    "32": ("rejected", "missing_sender", None, None, None, None),
    "33": ("rejected", "invalid_sender", None, None, None, None),
    "34": ("rejected", "too_many_parts", "parts@example.org", "Parts Many", None, None),
    "35": ("rejected", "too_deeply_nested", "deep@example.org", "Deep Nest", None, None),
    "36": ("rejected", "message_too_large", None, None, None, None),
    "37": ("application_created", None, "broken@example.org", "Broken Mime", "resume.pdf", None),
    "38": ("application_created", None, "ivan@example.ru", "Иван Петров", "резюме.pdf", None),
    "39": ("rejected", "macro_document", "macro@example.org", "Mac Ro", None, None),
    "40": ("rejected", "pdf_active_content", "poly@example.org", "Poly Glot", None, None),
    "41": ("application_created", None, "ina@example.org", "Ina Jection", None, None),
    "42": ("auto_reply_ignored", None, "apply@runway.test", "Runway", None, None),
    "43": ("application_created", None, "tara@example.org", "Tara Assistant", "Tara CV.pdf", None),
    "44": ("rejected", "missing_sender", None, None, None, None),
    "45": ("auto_reply_ignored", None, "away@example.org", "Away Person", None, None),
}
NEVER_ANSWERED = {"15", "16", "17", "18", "19", "20", "21", "22", "42", "45"}


def _attachment_sha(raw: bytes, filename: str) -> str:
    """The SHA-256 of the named attachment, found independently of the pipeline (also in forwarded mail)."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    for part in msg.walk():
        if part.get_content_type() == "message/rfc822":
            continue
        if part.get_filename() and NFC(part.get_filename()) == filename:
            return hashlib.sha256(part.get_payload(decode=True)).hexdigest()
    for part in msg.walk():
        if part.get_content_type() == "application/ms-tnef":
            from tnefparse import TNEF

            for item in TNEF(part.get_payload(decode=True)).attachments:
                if item.name == filename:
                    return hashlib.sha256(item.data).hexdigest()
    raise AssertionError(f"{filename} not in message")


def _ingest(path: Path, tmp_path: Path, substitutions: dict[bytes, bytes]) -> dict:
    raw = path.read_bytes()
    for placeholder, value in substitutions.items():
        raw = raw.replace(placeholder, value)
    filled = tmp_path / path.name
    filled.write_bytes(raw)
    out = io.StringIO()
    call_command("ingest_email", str(filled), "--json", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0]), raw


def test_corpus_has_at_least_30_messages_covering_every_outcome():
    files = sorted(CORPUS.glob("*.eml"))

    assert len(files) >= 30
    assert [f.name[:2] for f in files] == sorted(EXPECTED)
    assert {e[0] for e in EXPECTED.values()} == {
        "application_created",
        "application_updated",
        "reply_attached",
        "auto_reply_ignored",
        "bounce_recorded",
        "list_ignored",
        "duplicate_ignored",
        "rejected",
    }


def _run_corpus(tmp_path, capture) -> tuple[dict, dict]:
    """Every corpus message in order; each acknowledgement is made (and sent) before the next message."""
    CallFactory(slug="mlab3-ta", name="MLAB3 TAs", kind="ta")
    results, raws, substitutions = {}, {}, {}
    for path in sorted(CORPUS.glob("*.eml")):
        number = path.name[:2]
        with capture(execute=True):
            results[number], raws[number] = _ingest(path, tmp_path, substitutions)
        if results[number]["outcome"] == "application_created":
            application = Application.objects.get(pk=results[number]["application"])
            ack = OutboundMessage.objects.get(idempotency_key=f"ack:{application.pk}")
            substitutions[f"__ACK_OF_{number}__".encode()] = ack.message_id.encode()
            substitutions[f"__TOKEN_OF_{number}__".encode()] = application.reply_token.encode()
    return results, raws


@pytest.mark.django_db
def test_corpus_through_ingest_email_json_field_by_field(intake_settings, tmp_path, django_capture_on_commit_callbacks):
    results, raws = _run_corpus(tmp_path, django_capture_on_commit_callbacks)

    for number, (outcome, reason, email, name, resume, same_as) in EXPECTED.items():
        got = results[number]
        assert (number, got["outcome"], got["reason"]) == (number, outcome, reason)
        assert (number, got["applicant_email"], got["applicant_name"]) == (number, email, name)
        assert (number, got["resume_filename"]) == (number, resume)
        expected_sha = _attachment_sha(raws[number], resume) if resume else None
        assert (number, got["resume_sha256"]) == (number, expected_sha)
        if same_as:
            assert (number, got["application"]) == (number, results[same_as]["application"])
        elif outcome == "application_created":
            assert isinstance(got["application"], int)
        else:
            assert (number, got["application"]) == (number, None)


@pytest.mark.django_db
def test_corpus_side_effects(intake_settings, tmp_path, django_capture_on_commit_callbacks):
    results, _ = _run_corpus(tmp_path, django_capture_on_commit_callbacks)
    app = {n: Application.objects.get(pk=r["application"]) for n, r in results.items() if r["application"]}
    created = [n for n, r in results.items() if r["outcome"] == "application_created"]

    # Exactly one acknowledgement per new application, and none for anything never to be answered.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(app[n].applicant.email for n in created)
    assert (
        OutboundMessage.objects.filter(
            application__in=[app[n] for n in NEVER_ANSWERED if n in app and n != "22"]
        ).count()
        == 0
    )
    # Missing resumes are asked for; a later reply with a resume clears the flag (01 → 23).
    assert app["11"].needs_resume is False and app["11"].documents.get().url.startswith("https://drive.google.com/")
    assert app["01"].needs_resume is False
    assert "could not find a resume" in next(m.body for m in mail.outbox if m.to == ["ada.lovelace@example.org"])
    # Versions are kept: Grace has v1 and v2.
    assert list(app["02"].documents.filter(kind="resume").values_list("version", "original_filename")) == [
        (2, "resume-v2.pdf"),
        (1, "resume.pdf"),
    ]
    # The bounce marked the acknowledgement sent to Grace.
    assert OutboundMessage.objects.get(application=app["02"]).state == "bounced"
    # Plus-addressing routed 43 to the TA call; the bare address to the default call, created on first use.
    assert app["43"].call.slug == "mlab3-ta"
    assert app["02"].call.slug == "retraining-grants" and app["02"].call.is_default
    # Header injection: nothing from the inbound message reaches outgoing headers unsanitised.
    ack = next(m for m in mail.outbox if m.to == ["ina@example.org"]).message()
    assert (
        ack.get_all("Bcc") is None
        and "\n" not in ack["In-Reply-To"]
        and "victim" not in ack.as_string().split("\n\n")[0].lower().replace("in-reply-to", "")
    )
    # Raw bytes are stored for every message, rejected ones included, with a reason organizers can read.
    rejected = InboundMessage.objects.filter(outcome="rejected")
    assert all(m.raw.size == m.size for m in InboundMessage.objects.all())
    assert all(m.detail for m in rejected)
    # The refused attachments were never stored as documents.
    assert not Document.objects.filter(source_message__in=rejected).exists()


@pytest.mark.django_db
def test_same_message_twice_and_processing_again_change_nothing(intake_settings, tmp_path):
    path = CORPUS / "02_pdf_resume.eml"
    first, _ = _ingest(path, tmp_path, {})
    counts = (Application.objects.count(), Document.objects.count(), OutboundMessage.objects.count())

    second, _ = _ingest(path, tmp_path, {})
    from applications import intake

    again = intake.process(InboundMessage.objects.get(pk=InboundMessage.objects.order_by("pk").first().pk))

    assert (first["outcome"], second["outcome"], again.outcome) == (
        "application_created",
        "duplicate_ignored",
        "application_created",
    )
    assert (Application.objects.count(), Document.objects.count(), OutboundMessage.objects.count()) == counts
