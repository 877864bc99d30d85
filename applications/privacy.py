"""Erasure rules for the applications' tables (program.privacy.policy): answers, documents, mail
bodies, reference letters and free text go; states, scores and events stay for statistics and the audit."""

from __future__ import annotations

from django.utils import timezone

from applications.models import AccessRequest, Subscriber
from program.privacy.policy import KEEP, Erase, register

AUDIT = "the audit: who did what, when (pseudonymised)"
MAIL = ("subject", "body_text", "body_html", "calendar", "attachment", "attachment_name", "headers")


def by_address(person, addresses: set[str]) -> dict[str, list]:
    """Updates subscriptions and curriculum access requests are kept by address, not by account. A
    subscription is ended as an unsubscribe ends it (only the address's hash stays)."""
    subscribers = list(Subscriber.objects.filter(email_hash__in=[Subscriber.hash_of(a) for a in addresses]))
    Subscriber.objects.filter(pk__in=[s.pk for s in subscribers]).exclude(state=Subscriber.State.UNSUBSCRIBED).update(
        state=Subscriber.State.UNSUBSCRIBED, email="", name="", interests=[], unsubscribed_at=timezone.now()
    )
    requests = [r for r in AccessRequest.objects.filter(email__in=addresses)]
    return {"applications.subscriber": subscribers, "applications.accessrequest": requests}


register(
    {
        "applications.application": Erase(keep_for="call statistics: state, dates, scores (pseudonymised)"),
        "applications.applicationevent": Erase(keep_for=AUDIT),
        "applications.applicantlink": Erase(delete=True),
        "applications.inboundmessage": Erase(
            blank=("raw", "from_address", "from_name", "subject", "body_text", "detail"),
            keep_for="the intake log: that a message came and what became of it",
        ),
        "applications.document": Erase(delete=True),
        "applications.answer": Erase(delete=True),
        "applications.outboundmessage": Erase(blank=MAIL, keep_for="the mail log: what kind was sent when"),
        "applications.reviewassignment": KEEP,
        "applications.review": Erase(blank=("comment",), keep_for="scores for reviewer calibration and statistics"),
        "applications.conflictofinterest": Erase(blank=("reason",), keep_for=AUDIT),
        "applications.decision": Erase(blank=("note",), keep_for=AUDIT),
        "applications.offer": Erase(keep_for=AUDIT),
        "applications.promotion": Erase(keep_for=AUDIT),
        "applications.interview": Erase(blank=("notes",), keep_for="the interview's time and outcome (statistics)"),
        "applications.interviewavailability": Erase(delete=True),
        "applications.possibleduplicate": Erase(delete=True),
        "applications.referee": Erase(delete=True),
        "applications.retentionhold": Erase(keep_for=AUDIT),
        "applications.subscriber": Erase(keep_for="the address's hash only, so they are never mailed by mistake"),
        "applications.accessrequest": Erase(
            blank=("name", "affiliation", "reason"), keep_for="which curriculum version was given (the audit)"
        ),
    },
    by_address=by_address,
)
