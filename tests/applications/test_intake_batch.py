"""`intake.ingest_many` (what IMAP polls and Maildir imports run): the same outcomes as `ingest`, message by
message, with the raw bytes of a chunk stored before any is processed and one acknowledgement task per chunk."""

import pytest
from django.core import mail

from applications import intake, tasks
from applications.intake import pipeline
from applications.models import Application, InboundMessage, OutboundMessage
from tests.factories import CallFactory

from .test_intake_corpus import CORPUS, EXPECTED, _attachment_sha


@pytest.fixture
def queued(monkeypatch):
    """The acknowledgement tasks intake queues (passed on to the real queueing, which runs them)."""
    seen = []
    real = pipeline.enqueue_on_commit

    def spy(task, **kwargs):
        seen.append((task if isinstance(task, str) else task.name, kwargs))
        real(task, **kwargs)

    monkeypatch.setattr(pipeline, "enqueue_on_commit", spy)
    return seen


def _independent_corpus() -> list[tuple[str, bytes]]:
    """Corpus messages that need nothing filled in from earlier results (replies to our own mail do)."""
    out = []
    for path in sorted(CORPUS.glob("*.eml")):
        raw = path.read_bytes()
        if b"__ACK_OF_" not in raw and b"__TOKEN_OF_" not in raw:
            out.append((path.name[:2], raw))
    return out


@pytest.mark.django_db
def test_ingest_many_gives_the_corpus_outcomes_field_by_field(
    intake_settings, django_capture_on_commit_callbacks, queued
):
    CallFactory(slug="mlab3-ta", name="MLAB3 TAs", kind="ta")
    corpus = _independent_corpus()
    assert (
        len(corpus) >= 35
    )  # duplicates (15, 16) and a same-person update (13, 14) land in the same chunk as the first

    with django_capture_on_commit_callbacks(execute=True):
        results = list(intake.ingest_many([(raw, f"test:{n}") for n, raw in corpus], source="maildir", chunk=7))

    assert len(results) == len(corpus)
    by_number = {}
    for (number, raw), result in zip(corpus, results, strict=True):
        outcome, reason, email, name, resume, same_as = EXPECTED[number]
        got = result.as_json()
        by_number[number] = got
        assert (number, got["outcome"], got["reason"]) == (number, outcome, reason)
        assert (number, got["applicant_email"], got["applicant_name"]) == (number, email, name)
        assert (number, got["resume_filename"]) == (number, resume)
        assert (number, got["resume_sha256"]) == (number, _attachment_sha(raw, resume) if resume else None)
        if same_as:
            assert got["application"] == by_number[same_as]["application"]
        assert result.message.source_ref == f"test:{number}"

    created = [g["application"] for g in by_number.values() if g["outcome"] == "application_created"]
    # One acknowledgement task per chunk that created an application, and one mail per new application.
    chunks_with_new = {i // 7 for i, r in enumerate(results) if r.outcome == "application_created"}
    assert [name for name, _ in queued] == ["applications.tasks.task_acknowledge_applications"] * len(chunks_with_new)
    assert sorted(pk for _, kwargs in queued for pk, _ in kwargs["items"]) == sorted(created)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        Application.objects.get(pk=pk).applicant.email for pk in created
    )
    assert OutboundMessage.objects.filter(kind="application-received").count() == len(created)


@pytest.mark.django_db
def test_a_chunk_is_stored_before_any_of_it_is_processed(intake_settings, django_capture_on_commit_callbacks, queued):
    corpus = dict(_independent_corpus())
    items = [(corpus[n], f"test:{n}") for n in ("01", "02", "04", "05")]

    with django_capture_on_commit_callbacks(execute=True):
        results = intake.ingest_many(items, source="imap", chunk=10)
        first = next(results)
        # Only the first is processed, yet all four are stored, raw bytes and all.
        assert first.outcome == "application_created"
        stored = InboundMessage.objects.order_by("pk")
        assert [m.source_ref for m in stored] == [ref for _, ref in items]
        assert [m.outcome for m in stored] == ["application_created", "pending", "pending", "pending"]
        assert all(m.raw.size == m.size for m in stored)
        results.close()  # the caller stops (a crash, a lost IMAP connection)

    # What was processed is acknowledged; the rest is left for the sweep, which processes it exactly once.
    assert [kwargs["items"] for _, kwargs in queued] == [[(first.application.pk, first.message.message_id)]]
    assert [m.to[0] for m in mail.outbox] == ["ada.lovelace@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        assert intake.process_pending(older_than_seconds=0) == 3
        tasks.task_send_queued_outbound()
    assert sorted(InboundMessage.objects.values_list("outcome", flat=True)) == ["application_created"] * 4
    assert Application.objects.count() == 4 and len(mail.outbox) == 4


@pytest.mark.django_db
def test_chunks_are_bounded_by_bytes_as_well_as_count(intake_settings, django_capture_on_commit_callbacks, queued):
    corpus = dict(_independent_corpus())
    items = [(corpus[n], n) for n in ("02", "04", "05", "06")]
    first_two = len(items[0][0]) + len(items[1][0])

    with django_capture_on_commit_callbacks(execute=True):
        results = list(intake.ingest_many(items, source="maildir", chunk=100, chunk_bytes=first_two))

    # A chunk closes once its bytes reach the bound: the first two, then the other two (fewer bytes).
    assert [r.outcome for r in results] == ["application_created"] * 4
    assert [len(kwargs["items"]) for _, kwargs in queued] == [2, 2]


@pytest.mark.django_db
def test_two_workers_holding_the_same_pending_message_act_once(intake_settings, django_capture_on_commit_callbacks):
    corpus = dict(_independent_corpus())
    stored = intake.store_raw(corpus["02"], source="file")
    # Both read the row while it was pending (the sweep and a slow chunk, say).
    first, second = (InboundMessage.objects.get(pk=stored.pk) for _ in range(2))

    with django_capture_on_commit_callbacks(execute=True):
        a = intake.process(first)
        b = intake.process(second)

    assert (a.outcome, b.outcome) == ("application_created", "application_created")
    assert b.application == a.application and b.resume_sha256 == a.resume_sha256
    assert Application.objects.count() == 1 and len(mail.outbox) == 1
    assert InboundMessage.objects.get(pk=stored.pk).attempts == 1
