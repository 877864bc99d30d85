"""The demo's calls and applications, made by the real services: the bootcamp calls closed before the
cohort started, the grant call rolling; 60 applications over every state with their event history;
answers and a generated PDF resume for every submitted one; two reviewers who disagree; interviews
booked, completed with scorecards and one no-show; decisions, offers, a declined place and the
waitlist promotion it triggers."""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.html import escape

from applications import decisions, duplicates
from applications.interviews import services as interviews
from applications.models import (
    Answer,
    Application,
    Call,
    CallKind,
    Document,
    InterviewAvailability,
    InterviewSlot,
    Offer,
    Promotion,
    QuestionKind,
    ReviewAssignment,
)
from applications.questionnaires.templates import apply_template
from applications.review.reviews import apply_rubric, declare_conflict, save_review
from applications.services import create_application, transition_application
from demo.people import name, person
from grants import letters as ta_letters
from program.models import Cohort, User
from program.pdf import render_pdf

# The path an application takes to reach each demo state (every step is a real transition).
PATHS = {
    "received": [],
    "questionnaire_sent": ["questionnaire_sent"],
    "submitted": ["questionnaire_sent", "submitted"],
    "in_review": ["questionnaire_sent", "submitted", "in_review"],
    "interview": ["questionnaire_sent", "submitted", "in_review", "interview"],
    "accepted": ["questionnaire_sent", "submitted", "in_review", "interview", "accepted"],
    "waitlisted": ["questionnaire_sent", "submitted", "in_review", "waitlisted"],
    "rejected": ["questionnaire_sent", "submitted", "in_review", "rejected"],
    "withdrawn": ["questionnaire_sent", "withdrawn"],
}
# Each call's applications, by state (every one of the nine states appears; sixty in all).
STATES = {
    CallKind.PARTICIPANT: {"received": 3, "questionnaire_sent": 3, "submitted": 5, "in_review": 6, "interview": 5,
                           "accepted": 4, "waitlisted": 2, "rejected": 2},
    CallKind.TA: {"received": 1, "questionnaire_sent": 1, "submitted": 2, "in_review": 3, "interview": 1, "accepted": 2,
                  "rejected": 1, "withdrawn": 1},
    # The five accepted grant applications come first: they become the five demo grants, and the third
    # (applicant@runway.test) the active one.
    CallKind.GRANT: {"accepted": 5, "received": 2, "questionnaire_sent": 4, "submitted": 3, "in_review": 2,
                     "rejected": 1, "withdrawn": 1},
}  # fmt: skip
APPLICANT_INDEX = 44  # applicant@runway.test: the third grant application
SUBMITTED = {"submitted", "in_review", "interview", "accepted", "waitlisted", "rejected"}
DECIDED = {
    "accepted": "A strong, specific application.",
    "waitlisted": "Good; we will write as soon as a place frees up.",
    "rejected": "",
}
STUDIES = ["Computer science", "Physics", "Mathematics", "Neuroscience", "Economics", "Electrical engineering"]
WORK = ["backend engineer", "data scientist", "PhD student", "quant developer", "game developer", "SRE"]


def build_calls(cohort: Cohort, copy: int, suffix: str, label: str) -> dict[str, Call]:
    calls = {}
    closed = datetime.combine(
        cohort.starts_on - timedelta(days=10), time(23, 59), tzinfo=timezone.get_current_timezone()
    )
    for kind, call_name, slug, with_cohort in [
        (CallKind.PARTICIPANT, f"MLAB3 participants{label}", f"mlab3-participants{suffix}", True),
        (CallKind.TA, f"MLAB3 TAs{label}", f"mlab3-ta{suffix}", True),
        (CallKind.GRANT, f"Retraining grants, rolling{label}", f"retraining-grants{suffix}", False),
    ]:
        calls[kind], _ = Call.objects.get_or_create(
            slug=slug,
            defaults={
                "name": call_name,
                "kind": kind,
                "cohort": cohort if with_cohort else None,
                "opens_at": closed - timedelta(days=45),
                # The bootcamp calls closed before the cohort started; grants are rolling.
                "closes_at": None if kind == CallKind.GRANT else closed,
                "is_default": kind == CallKind.GRANT and copy == 0,
            },
        )
        apply_template(calls[kind])
        apply_rubric(calls[kind])
    return calls


def build_applications(calls: dict, suffix: str, organizer: User, rng: random.Random, *, full: bool) -> list:
    """Sixty applications over every state; with `full`, answers and a PDF resume for each submitted one.
    Returns the accepted grant applications."""
    plan = [(kind, state) for kind, counts in STATES.items() for state, n in counts.items() for _ in range(n)]
    accepted_grants = []
    for i, (kind, state) in enumerate(plan):
        email = (
            "applicant@runway.test"
            if (i == APPLICANT_INDEX and not suffix)
            else f"applicant{i + 1:02d}{suffix}@runway.test"
        )
        applicant = person(email, "Alex Applicant" if email == "applicant@runway.test" else name(200 + i))
        application = create_application(calls[kind], applicant, source="email" if i % 3 else "web")
        decided = state in DECIDED
        for step in PATHS[state][:-1] if decided else PATHS[state]:
            actor = applicant if step == "withdrawn" else organizer
            transition_application(application, to=step, by=actor, note="demo data")
        if full and state in SUBMITTED:
            _answers(application, i, rng)
            _resume(application, i)
        if decided:  # a Decision row and a drafted email (accepted: an offer, or a grant proposal)
            decisions.decide_application(application, decision=state, by=organizer, note=DECIDED[state])
            if state == "accepted" and kind == CallKind.GRANT:
                accepted_grants.append(application)
    return accepted_grants


def _answers(application: Application, i: int, rng: random.Random) -> None:
    """An answer to every question, by its kind, in the voice of an applicant."""
    values = {
        "programming_experience": f"{3 + i % 9} years of Python and C++; I built a {rng.choice(['compiler', 'search engine', 'trading system', 'robot controller'])} at work.",
        "background": "Student" if i % 3 == 0 else "Professional",
        "why_alignment": "I want the systems we are building to be understood and steerable before they are powerful.",
        "github": f"https://github.com/demo-applicant-{i:02d}",
        "heard_from": rng.choice(["A friend", "AI Alignment Forum", "LessWrong", "University", "80,000 Hours"]),
        "study_plan": "Replicate DQN, A2C and PPO; work through Sutton & Barto chapters 1–13; then a small interpretability project.",
        "papers": "DQN (Mnih et al. 2015), then PPO: both are well documented and teach the core ideas.",
        "stipend_needed": str(2000 + 250 * (i % 5)),  # at most 9,000 in all: one sign-off
        "currency": ["USD", "EUR", "GBP"][i % 3],
        "start_date": (date.today() + timedelta(days=14 + i)).isoformat(),
        "references": "Dr. Ada Mentor (former supervisor), Sam Peer (reading group).",
        "teaching_experience": "Two years as a teaching assistant for an undergraduate ML course.",
        "max_days": "10",
    }
    for question in application.call.questionnaire.questions.all():
        if question.kind == QuestionKind.FILE:
            continue
        if question.key in values:
            value = values[question.key]
        elif question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.YES_NO):
            value = (question.choices or ["yes"])[i % max(1, len(question.choices or ["yes"]))]
        elif question.kind == QuestionKind.MULTIPLE_CHOICE:
            value = question.choices[i % len(question.choices) : i % len(question.choices) + 2]
        elif question.kind == QuestionKind.AVAILABILITY:
            value = question.dates[: 8 + i % 6]
        else:
            value = "See my resume."
        Answer.objects.get_or_create(application=application, question=question, defaults={"value": value})


def _resume(application: Application, i: int) -> None:
    """A one-page resume, rendered to PDF by the same WeasyPrint setup as the letters."""
    applicant = application.applicant
    html = (
        f"<h1>{escape(applicant.display_name)}</h1><p>{escape(applicant.email)}</p>"
        f"<h2>Education</h2><p>MSc {STUDIES[i % len(STUDIES)]}</p>"
        f"<h2>Experience</h2><p>{3 + i % 9} years as a {WORK[i % len(WORK)]}.</p>"
        "<h2>Projects</h2><ul><li>A from-scratch autograd engine</li><li>A reimplementation of DQN on Atari</li></ul>"
    )
    pdf = render_pdf(html)
    document = Document(
        application=application,
        kind=Document.Kind.RESUME,
        version=1,
        original_filename=f"{applicant.display_name.replace(' ', '-').lower()}-cv.pdf",
        content_type="application/pdf",
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
    )
    document.file.save("upload", ContentFile(pdf), save=False)
    document.save()


def build_reviews(call: Call, reviewers: list[User], organizer: User) -> None:
    """Two reviewers per application past submission. The second is harsher, and on every fourth
    application they disagree by two points or more (the queue's disagreement filter finds them). The
    first reviewer declares a conflict of interest on one application (a former colleague)."""
    keys = list(call.criteria.values_list("key", flat=True))
    conflicted = call.applications.filter(state="in_review").order_by("-pk").first()
    for n, application in enumerate(
        call.applications.exclude(state__in=["received", "questionnaire_sent", "submitted", "withdrawn"]).order_by("pk")
    ):
        for k, reviewer in enumerate(reviewers):
            ReviewAssignment.objects.get_or_create(
                application=application, reviewer=reviewer, defaults={"notified_at": timezone.now()}
            )
            if application == conflicted and k == 0:
                declare_conflict(application, reviewer=reviewer, reason="We worked together last year.", by=reviewer)
                continue
            if application.state == "in_review" and (n + k) % 3 == 0:
                continue  # some reviews still to do
            base = 2 + (n * 7) % 4
            if k == 1:
                base = base - 2 if n % 4 == 0 else base - 1  # harsher; sometimes much harsher
            scores = {key: max(1, min(5, base + (i % 2))) for i, key in enumerate(keys)}
            save_review(
                application,
                reviewer=reviewer,
                scores=scores,
                comment="Clear motivation; the project experience is thin." if base < 3 else "Strong and specific.",
                recommendation="yes" if base >= 4 else "maybe" if base >= 3 else "no",
                submit=True,
            )


def build_interviews(cohort: Cohort, call: Call, interviewer: User, organizer: User) -> None:
    """Slots last week (interviews completed with scorecards, one no-show) and next week (open, and
    one booked), for the call's applications at the interview stage."""
    now = timezone.now()
    past = [now.replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=8, hours=-k) for k in range(4)]
    future = [now.replace(hour=14, minute=0, second=0, microsecond=0) + timedelta(days=6, hours=k) for k in range(6)]
    slots = [
        InterviewSlot.objects.get_or_create(interviewer=interviewer, starts_at=at, defaults={"minutes": 45})[0]
        for at in past + future
    ]
    invited = list(call.applications.filter(state="interview").order_by("pk"))
    for n, (application, slot) in enumerate(zip(invited[:4], slots[:3] + slots[4:5], strict=False)):
        interview = interviews.book(application, slot, by=application.applicant)
        if slot.starts_at < now:
            interviews.record_outcome(
                interview,
                by=interviewer,
                no_show=n == 2,
                score=None if n == 2 else 4 - n,
                recommendation="" if n == 2 else ("yes" if n == 0 else "maybe"),
                notes="" if n == 2 else "Explained backprop clearly; less sure about attention.",
            )
    # Invited people still to book tick the times they could make (for automatic matching).
    for application in call.applications.filter(state="interview").exclude(interviews__isnull=False):
        for slot in slots[5:8]:
            InterviewAvailability.objects.get_or_create(application=application, slot=slot)


def build_offers(call: Call, organizer: User) -> None:
    """Of the accepted participants: two confirm, one declines (a waitlist promotion is proposed and
    approved), the rest have not answered yet."""
    offers = list(Offer.objects.filter(application__call=call).select_related("application__applicant").order_by("pk"))
    for n, offer in enumerate(offers[:3]):
        if offer.response != Offer.Response.PENDING:
            continue
        decisions.respond_to_offer(offer, confirm=n < 2, by=offer.application.applicant)
    promotion = Promotion.objects.filter(application__call=call, status=Promotion.Status.PROPOSED).first()
    if promotion is not None:
        decisions.approve_promotion(promotion, by=organizer, approve=True)


def build_ta_offer_letter(call: Call, organizer: User) -> None:
    """The first accepted TA gets the offer letter (daily rate, days, deadline) as a PDF."""
    offer = Offer.objects.filter(application__call=call, response=Offer.Response.PENDING).order_by("pk").first()
    if offer is not None:
        ta_letters.send_ta_offer_letter(offer, daily_rate=Decimal("350.00"), currency="GBP", by=organizer)


def build_returning_applicant(calls: dict) -> None:
    """Someone who applied to the bootcamp applies for a grant from a +tag address: listed under
    "Possibly the same person" with the address and the name as evidence."""
    earlier = User.objects.get(email="applicant03@runway.test")
    again = person("Applicant03+grant@runway.test", earlier.full_name)
    create_application(calls[CallKind.GRANT], again, source="web")
    duplicates.scan_for(again)
