"""Referees: a call can require N of them. The applicant names each (name and address); Runway emails
each a one-time link (through the outbox) to upload a letter (a PDF or another document, with the
resume checks) or write it in a form. Letters are confidential: the applicant sees "received / not
yet" and can resend the link or replace a referee, never the letter; reviewers and organizers read it
on the application page.

A link is the hash of a secret kept in the row: a resend or a reminder makes a new one (the old stops
working), a letter makes it useless (the page then says the letter came), and it expires when the call closes (or `REFEREE_LINK_DAYS`
after it was sent, for a rolling call, or later when the call accepts late letters). The page behind
it shows only the applicant's name and the program. A referee who reviews for Runway is a conflict for
that application, declared automatically. One reminder per referee, `REFEREE_REMINDER_DAYS` before the
call closes, claimed with a conditional UPDATE.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from applications.intake import documents
from applications.models import Application, ApplicationState, Referee
from applications.outbox import queue_email
from applications.review.reviews import declare_conflict
from program.absolute import absolute_url
from program.models import Role, User
from program.text import clean_name

ACTIVE = (Referee.State.ASKED, Referee.State.RECEIVED)
MAX_LETTER_CHARS = 20_000


class RefereeError(ValueError):
    """A sentence for the applicant or the referee."""


def expires_at(application: Application, now: datetime) -> datetime:
    call = application.call
    days = timedelta(days=settings.REFEREE_LINK_DAYS)
    if call.closes_at is None:
        return now + days
    return (
        max(call.closes_at + days, now + days) if call.late_letters else max(call.closes_at, now + timedelta(hours=1))
    )


def name_referee(application: Application, *, name: str, email: str) -> Referee:
    """The applicant names a referee; the link is emailed at once."""
    name, email = clean_name(name, 200), email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise RefereeError("Enter the referee's email address.") from error
    if not name:
        raise RefereeError("Enter the referee's name.")
    if application.state not in ApplicationState.open_states:
        raise RefereeError("Referees can be named only while the application is open.")
    if email == application.applicant.email.lower():
        raise RefereeError("A referee is someone else: use their address, not yours.")
    with transaction.atomic():
        current = list(Application.objects.select_for_update().get(pk=application.pk).referees.filter(state__in=ACTIVE))
        if any(r.email == email for r in current):
            raise RefereeError(f"{email} is already one of your referees.")
        if len(current) >= application.call.referees_required:
            raise RefereeError(
                f"This call asks for {application.call.referees_required} referees; replace one instead."
            )
        now = timezone.now()
        referee = Referee(application=application, name=name, email=email, asked_at=now,
                          expires_at=expires_at(application, now))  # fmt: skip
        token = referee.new_token()
        referee.save()
        _send(referee, token, "referee-request")
        _conflict_if_reviewer(referee)
    return referee


def resend(referee: Referee) -> Referee:
    """A new link (the old one stops working), emailed again; only while the letter has not come."""
    with transaction.atomic():
        referee = Referee.objects.select_for_update().select_related("application__call").get(pk=referee.pk)
        if referee.state != Referee.State.ASKED:
            raise RefereeError("This referee's letter has already come." if referee.state == Referee.State.RECEIVED
                               else "This referee was replaced.")  # fmt: skip
        token = referee.new_token()
        referee.expires_at = expires_at(referee.application, timezone.now())
        referee.save(update_fields=["token_hash", "expires_at"])
        _send(referee, token, "referee-request")
    return referee


def replace(referee: Referee, *, name: str, email: str) -> Referee:
    """The applicant names someone else instead; the old link stops working (a letter already received
    stays with the application for the reviewers)."""
    with transaction.atomic():
        Referee.objects.filter(pk=referee.pk, state__in=ACTIVE).update(
            state=Referee.State.REPLACED, token_hash=Referee.hash_of(Referee().new_token())
        )
        return name_referee(referee.application, name=name, email=email)


def by_token(token: str, now: datetime | None = None) -> tuple[Referee | None, str]:
    """(referee, "") for a live link, or (None, why) for a used, replaced, expired or unknown one."""
    referee = (
        Referee.objects.filter(token_hash=Referee.hash_of(token or "")).select_related("application__call",
                                                                                       "application__applicant").first()
    )  # fmt: skip
    if referee is None:
        return None, "This link is not valid: it was replaced by a newer one, or never existed."
    if referee.state == Referee.State.RECEIVED:
        return None, "Your letter has already been received. Thank you."
    if referee.state == Referee.State.REPLACED:
        return None, "This request was withdrawn; nothing more is needed from you."
    if (now or timezone.now()) >= referee.expires_at:
        return None, "This link has expired. The applicant can ask for a new one."
    return referee, ""


def submit_letter(referee: Referee, *, filename: str = "", data: bytes = b"", text: str = "") -> Referee:
    """Store the letter (a checked document, or text); the link is dead from then on. Raises
    RefereeError when the file is refused or nothing was given."""
    text = text.strip()[:MAX_LETTER_CHARS]
    if not data and not text:
        raise RefereeError("Upload your letter or write it in the box.")
    if data:
        classification = documents.classify(data, declared_text=filename.lower().endswith(".txt"))
        if not classification.is_document:
            raise RefereeError(f"The file is {classification.detail or 'not a document we accept'}. "
                               "Please upload a PDF, DOCX, ODT, RTF or text file.")  # fmt: skip
    with transaction.atomic():
        claimed = Referee.objects.select_for_update().filter(pk=referee.pk, state=Referee.State.ASKED).first()
        if claimed is None:
            raise RefereeError("Your letter has already been received. Thank you.")
        if data:
            claimed.letter.save(f"letter.{classification.extension}", ContentFile(data), save=False)
            claimed.letter_filename = clean_name(filename, 255) or f"letter.{classification.extension}"
            claimed.letter_sha256 = hashlib.sha256(data).hexdigest()
        claimed.letter_text = text
        claimed.state, claimed.received_at = Referee.State.RECEIVED, timezone.now()
        claimed.save()
    return claimed


def remind_before_deadline(now: datetime | None = None) -> int:
    """One reminder per referee still asked, when the call closes within REFEREE_REMINDER_DAYS."""
    now = now or timezone.now()
    soon = Referee.objects.filter(
        state=Referee.State.ASKED, reminded_at__isnull=True, application__call__closes_at__gt=now,
        application__call__closes_at__lte=now + timedelta(days=settings.REFEREE_REMINDER_DAYS),
    ).select_related("application__call", "application__applicant")  # fmt: skip
    sent = 0
    for referee in soon:
        with transaction.atomic():
            if not Referee.objects.filter(pk=referee.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue  # another worker reminded them
            token = referee.new_token()
            Referee.objects.filter(pk=referee.pk).update(token_hash=referee.token_hash)
            _send(referee, token, "referee-reminder", key=f"referee-reminder:{referee.pk}")
            sent += 1
    return sent


def _send(referee: Referee, token: str, template: str, key: str = "") -> None:
    Referee.objects.filter(pk=referee.pk).update(sends=referee.sends + 1)
    referee.sends += 1
    application = referee.application
    queue_email(
        template, to=referee.email, application=application,
        context={"referee": referee, "applicant": application.applicant.display_name, "program": application.call.name,
                 "url": absolute_url("applications:referee-letter", token=token), "expires_at": referee.expires_at},
        idempotency_key=key or f"referee:{referee.pk}:{referee.sends}",
    )  # fmt: skip


def _conflict_if_reviewer(referee: Referee) -> None:
    person = User.objects.person_at(referee.email)
    if person is not None and person.roles & {Role.REVIEWER, Role.INTERVIEWER}:
        declare_conflict(referee.application, reviewer=person, reason="Named as a referee by the applicant.", by=None)
