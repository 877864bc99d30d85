"""Exactly one email per decision, against a real SMTP server on 127.0.0.1: a send task that runs
twice, fifty that run at once, and a worker killed in the middle of the SMTP conversation."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import close_old_connections, connection

from applications import outbox
from applications.decisions import decide_application
from applications.models import OutboundMessage
from applications.services import transition_application
from applications.tasks import task_send_outbound
from tests.factories import ApplicationFactory, CallFactory

ROOT = Path(__file__).resolve().parents[2]


def _released_decision(organizer) -> OutboundMessage:
    application = ApplicationFactory(call=CallFactory())
    for state in ["submitted", "in_review"]:
        transition_application(application, to=state, by=organizer)
    decision = decide_application(application, decision="accepted", by=organizer)
    # Reviewed and queued, as release_drafts does, without its on-commit send (the tests send).
    OutboundMessage.objects.filter(pk=decision.email_id, state="draft").update(state="queued")
    return OutboundMessage.objects.get(pk=decision.email_id)


@pytest.mark.django_db
def test_send_task_running_twice_sends_one_email(smtp, organizer):
    message = _released_decision(organizer)

    first = task_send_outbound.apply(kwargs={"message_id": message.pk}).get()
    second = task_send_outbound.apply(kwargs={"message_id": message.pk}).get()

    message.refresh_from_db()
    assert (first, second) == (True, False)
    assert smtp.message_ids() == [message.message_id]
    assert (message.state, message.attempts) == ("sent", 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_sends_deliver_exactly_one(smtp, organizer):
    message = _released_decision(organizer)
    results, barrier = [], threading.Barrier(50)

    def send():
        barrier.wait()
        try:
            results.append(outbox.send_outbound(message.pk))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(results) == [False] * 49 + [True]
    assert smtp.message_ids() == [message.message_id]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_send_is_resent_once_by_the_sweep(smtp, organizer, tmp_path, settings):
    message = _released_decision(organizer)
    db = connection.settings_dict
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="True",
        RUNWAY_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        EMAIL_URL=f"smtp://127.0.0.1:{settings.EMAIL_PORT}",
    )
    smtp.hold_rcpt.set()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from applications.outbox import send_outbound; send_outbound({message.pk})",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert smtp.rcpt_seen.wait(30), "the worker never reached the SMTP server"
    finally:
        worker.kill()  # dies in the middle of the SMTP conversation, after RCPT TO, before DATA
        worker.wait(10)
    smtp.hold_rcpt.clear()
    time.sleep(0.2)
    message.refresh_from_db()
    stuck = (message.state, len(smtp.messages))

    requeued = outbox.requeue_stale(older_than_seconds=0)
    sent = outbox.send_queued()
    outbox.requeue_stale(older_than_seconds=0)
    again = outbox.send_queued()

    message.refresh_from_db()
    assert stuck == ("sending", 0)
    assert (requeued, sent, again) == (1, 1, 0)
    assert smtp.message_ids() == [message.message_id]
    assert (message.state, message.attempts) == ("sent", 2)
