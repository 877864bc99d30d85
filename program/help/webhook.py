"""The optional outgoing webhook per cohort: when an entry has waited `help_webhook_minutes`, one JSON
POST (`{"text": …, "content": …}`: Slack reads `text`, Discord `content`) to `help_webhook_url`. Each
entry is announced at most once (`webhook_sent_at` claimed with a conditional UPDATE before sending);
a failing endpoint is logged, never retried in a loop."""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import timedelta

from django.utils import timezone

from program.models import Cohort, HelpRequest

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5


def message(entry: HelpRequest, now) -> str:
    people = " + ".join(m.display_name for m in entry.group.members.all())
    minutes = int((now - entry.asked_at).total_seconds() // 60)
    where = f" at {entry.group.machine.name}" if entry.group.machine_id else ""
    test = f", stuck on {entry.stuck_on}" if entry.stuck_on else ""
    return f"{people}{where} have waited {minutes} min for a TA{test}."


def notify_long_waits(now=None) -> int:
    now = now or timezone.now()
    sent = 0
    for cohort in Cohort.objects.exclude(help_webhook_url=""):
        late = HelpRequest.objects.filter(
            day__cohort=cohort, state=HelpRequest.State.WAITING, webhook_sent_at__isnull=True,
            asked_at__lte=now - timedelta(minutes=cohort.help_webhook_minutes),
        ).select_related("group__machine").prefetch_related("group__members")  # fmt: skip
        for entry in late:
            if not HelpRequest.objects.filter(pk=entry.pk, webhook_sent_at__isnull=True).update(webhook_sent_at=now):
                continue
            text = message(entry, now)
            body = json.dumps({"text": text, "content": text}).encode()
            request = urllib.request.Request(
                cohort.help_webhook_url, data=body, headers={"Content-Type": "application/json"}, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http(s) only: validated)
                    response.read(1024)
                sent += 1
            except OSError as error:
                log.warning("Help webhook of %s failed: %s", cohort.slug, error)
    return sent
