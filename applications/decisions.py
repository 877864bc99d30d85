"""Decisions on applications, and the emails that tell applicants."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from applications.review.scoring import calibrated_scores
from program.models import Role, User
from program.services import enroll

from . import outbox
from .models import (
    Application,
    ApplicationEvent,
    ApplicationState,
    CallKind,
    Decision,
    Offer,
    Promotion,
    Review,
)
from .services import APPLICATIONS, transition_application
from .signals import application_accepted


class OfferClosed(Exception):
    pass


# What an organizer can do to an application, by the state it moves it to (the decision form's options).
ACTIONS = [
    ("interview", "Invite to interview"),
    ("accepted", "Accept"),
    ("waitlisted", "Waitlist"),
    ("rejected", "Reject"),
]


def offered_actions(application: Application, user: User) -> list[tuple[str, str]]:
    """The decision actions a page offers: only moves the transitions table allows from the current
    state, and only to a person who may decide."""
    if not user.has_perm("applications.decide_application"):
        return []
    allowed = APPLICATIONS.allowed(application.state)
    return [(value, label) for value, label in ACTIONS if value in allowed]


def decide_application(application: Application, *, decision: str, by: User, note: str = "") -> Decision:
    """Accept, waitlist or reject: the state change, a Decision row and a drafted email.

    The email is a draft in the outbox until an organizer reviews and releases it, so a batch of
    decisions can be read before anyone is told. Deciding twice the same way changes nothing."""
    outcome = Decision.Outcome(decision)
    with transaction.atomic():
        if application.state != outcome:
            transition_application(application, to=outcome, by=by, note=note)
        existing = Decision.objects.filter(application=application, outcome=outcome).first()
        if existing:
            return existing
        email = outbox.queue_email(
            f"decision-{outcome}",
            to=application.applicant.email,
            context={
                "application": application,
                "name": application.applicant.full_name or "there",
                "call": application.call,
                "cohort": application.call.cohort,
                "note": note,
            },
            idempotency_key=f"decision:{application.pk}:{outcome}",
            application=application,
            draft=True,
        )
        decision = Decision.objects.create(
            application=application, outcome=outcome, note=note, decided_by=by, email=email
        )
        if outcome == Decision.Outcome.ACCEPTED:
            if application.call.kind in (CallKind.PARTICIPANT, CallKind.TA):
                Offer.objects.get_or_create(
                    application=application,
                    defaults={"respond_by": timezone.now() + timedelta(days=settings.OFFER_RESPONSE_DAYS)},
                )
            application_accepted.send(sender=Application, application=application, by=by)
        return decision


def respond_to_offer(offer: Offer, *, confirm: bool, by: User) -> Offer:
    """The applicant confirms (and is enrolled in the call's cohort with the call's role) or declines
    (and the next waitlisted applicant is proposed to the organizers)."""
    with transaction.atomic():
        locked = (
            Offer.objects.select_for_update(of=("self",))
            .select_related("application__call__cohort", "application__applicant")
            .get(pk=offer.pk)
        )
        if locked.response != Offer.Response.PENDING:
            raise OfferClosed(f"This offer was already answered ({locked.get_response_display().lower()}).")
        if locked.respond_by < timezone.now():
            _close(locked, Offer.Response.EXPIRED)
            raise OfferClosed("The deadline to answer this offer has passed.")
        _close(locked, Offer.Response.CONFIRMED if confirm else Offer.Response.DECLINED)
        application = locked.application
        ApplicationEvent.objects.create(
            application=application,
            actor=by,
            from_state=application.state,
            to_state=application.state,
            note="confirmed attendance" if confirm else "declined the offer",
        )
        if confirm and application.call.cohort_id:
            role = Role.TA if application.call.kind == CallKind.TA else Role.PARTICIPANT
            enroll(application.call.cohort, application.applicant, role=role, by=by)
    return locked


def expire_offers(now=None) -> int:
    """Offers past their deadline expire (claimed by a conditional UPDATE) and free their place."""
    now = now or timezone.now()
    expired = 0
    for offer in Offer.objects.filter(response=Offer.Response.PENDING, respond_by__lt=now).select_related(
        "application__call"
    ):
        with transaction.atomic():
            if Offer.objects.filter(pk=offer.pk, response=Offer.Response.PENDING).update(
                response=Offer.Response.EXPIRED, responded_at=now
            ):
                offer.response = Offer.Response.EXPIRED
                _propose_promotion(offer)
                expired += 1
    return expired


def _close(offer: Offer, response: str) -> None:
    offer.response, offer.responded_at = response, timezone.now()
    offer.save(update_fields=["response", "responded_at"])
    if response in (Offer.Response.DECLINED, Offer.Response.EXPIRED):
        _propose_promotion(offer)


def _propose_promotion(offer: Offer) -> Promotion | None:
    """The freed place goes to the best waitlisted application of the call, pending approval."""
    proposed = Promotion.objects.filter(status=Promotion.Status.PROPOSED).values("application_id")
    waitlisted = Application.objects.filter(call=offer.application.call, state=ApplicationState.WAITLISTED).exclude(
        pk__in=proposed
    )
    best = _best_by_calibrated_score(waitlisted)
    if best is None:
        return None
    promotion, _ = Promotion.objects.get_or_create(freed_by=offer, defaults={"application": best})
    return promotion


def _best_by_calibrated_score(applications) -> Application | None:
    candidates = list(applications.order_by("state_changed_at", "pk"))
    if not candidates:
        return None
    rows = Review.objects.filter(
        application__call=candidates[0].call, submitted_at__isnull=False, weighted_total__isnull=False
    )
    scores = calibrated_scores(
        {"application": a, "reviewer": r, "total": t}
        for a, r, t in rows.values_list("application_id", "reviewer_id", "weighted_total")
    )
    score = scores["calibrated"].to_dict() if not scores.empty else {}
    # Highest calibrated score first; unscored ones after, longest waiting first.
    return sorted(candidates, key=lambda a: (-(score.get(a.pk) or 0), a.state_changed_at))[0]


def approve_promotion(promotion: Promotion, *, by: User, approve: bool) -> Promotion:
    with transaction.atomic():
        locked = (
            Promotion.objects.select_for_update(of=("self",))
            .select_related("application__call__cohort", "application__applicant")
            .get(pk=promotion.pk)
        )
        if locked.status != Promotion.Status.PROPOSED:
            return locked
        locked.status = Promotion.Status.APPROVED if approve else Promotion.Status.DISMISSED
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        if approve:
            decide_application(
                locked.application, decision=Decision.Outcome.ACCEPTED, by=by, note="A place became free."
            )
    return locked
