"""Every named URL × every role → the expected status code.

Adding a URL without adding it here fails `test_every_url_is_in_the_matrix`. allauth's own pages
(sign-in, codes, two-factor) and the admin's model pages are left to those libraries; the admin index
is checked here because who may enter the back office is ours to decide.
"""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from applications import intake, links, outbox, referees
from applications.models import Answer, Document, Interview, InterviewSlot, ReviewAssignment
from applications.questionnaires.templates import apply_template
from applications.services import create_application, transition_application
from grants.payments.payouts import add_tax_form
from grants.services import propose_grant
from program.models import PairGroup, Role
from program.services import enroll
from tests.conftest import make_person
from tests.factories import CallFactory, bank_details
from tests.fixtures.mail.make_corpus import pdf as corpus_pdf

PEOPLE = [
    "anonymous",
    "nobody",
    "organizer",
    "coordinator",
    "reviewer",
    "interviewer",
    "ta",
    "participant",
    "applicant",
    "other_applicant",
]
STAFF_ONLY = {"organizer": 200, "coordinator": 200}

# (url name, object key, method, {person: status}, default status for people not listed)
MATRIX = [
    ("healthz", None, "get", {}, 200),
    ("program:home", None, "get", {"anonymous": 302, "nobody": 200}, 302),
    ("program:profile", None, "get", {"anonymous": 302}, 200),
    ("program:calendar", None, "get", {"anonymous": 302}, 200),
    ("program:privacy", None, "get", {}, 200),  # public
    ("program:my-data", None, "get", {"anonymous": 302}, 200),
    ("program:my-data", None, "post", {"anonymous": 302}, 200),  # everyone downloads their own data
    ("program:person-data", "participant_person", "post", {"anonymous": 302, "organizer": 200}, 403),
    ("program:person-erase", "participant_person", "get", {"anonymous": 302, "organizer": 200}, 403),
    ("program:help-queue", "cohort", "get", {"anonymous": 302, "ta": 200, **STAFF_ONLY}, 403),
    (
        "program:help-act",
        "missing_help",
        "post",
        {"anonymous": 302, "ta": 404, "organizer": 404, "coordinator": 404},
        403,
    ),
    (
        "program:help-accept",
        "missing_workspace",
        "post",
        {"anonymous": 302, "ta": 404, "organizer": 404, "coordinator": 404},
        403,
    ),
    ("program:help-numbers", "cohort", "get", {"anonymous": 302, **STAFF_ONLY}, 403),
    ("program:attendance", "cohort", "get", {"anonymous": 302, "ta": 200, **STAFF_ONLY}, 403),
    ("program:help-mine", None, "get", {"anonymous": 302}, 200),
    ("program:help-ask", None, "post", {}, 302),  # not in a pair today: back to Today with a sentence
    ("program:help-cancel", None, "post", {}, 302),
    ("program:person-erase", "participant_person", "post", {"anonymous": 302, "organizer": 200}, 403),  # unconfirmed
    ("program:dev-mail", None, "get", {}, 404),  # development only (DEBUG and the file email backend)
    ("program:feed", "bad_feed", "get", {}, 404),
    ("program:dashboard", "role:organizer", "get", {"anonymous": 302, "organizer": 200}, 403),
    ("program:dashboard", "role:coordinator", "get", {"anonymous": 302, "coordinator": 200}, 403),
    ("program:dashboard", "role:reviewer", "get", {"anonymous": 302, "reviewer": 200}, 403),
    ("program:dashboard", "role:interviewer", "get", {"anonymous": 302, "interviewer": 200}, 403),
    ("program:dashboard", "role:ta", "get", {"anonymous": 302, "ta": 200}, 403),
    ("program:dashboard", "role:participant", "get", {"anonymous": 302, "participant": 200}, 403),
    ("program:dashboard", "role:applicant", "get", {"anonymous": 302, "applicant": 200, "other_applicant": 200}, 403),
    ("program:dashboard", "role:wizard", "get", {"anonymous": 302}, 404),
    ("program:dashboard-panel", "panel:organizer:activity", "get", {"anonymous": 302, "organizer": 200}, 403),
    ("program:dashboard-panel", "panel:organizer:nonsense", "get", {"anonymous": 302, "organizer": 404}, 403),
    ("program:cohort", "cohort", "get", {"anonymous": 302, **STAFF_ONLY, "ta": 200, "participant": 200}, 403),
    ("program:cohort", "other_cohort", "get", {"anonymous": 302, **STAFF_ONLY}, 403),
    ("program:board", "cohort", "get", {"anonymous": 302, **STAFF_ONLY}, 403),
    ("program:board", "cohort", "post", {"anonymous": 302, "organizer": 302, "coordinator": 302}, 403),
    ("program:week-pdf", "cohort", "get", {"anonymous": 302, **STAFF_ONLY, "ta": 200, "participant": 200}, 403),
    ("program:week-pdf", "other_cohort", "get", {"anonymous": 302, **STAFF_ONLY}, 403),
    ("program:lecture-plan", "cohort", "get", {"anonymous": 302, **STAFF_ONLY}, 403),
    ("program:lecture-plan", "cohort", "post", {"anonymous": 302, "organizer": 302, "coordinator": 302}, 403),
    ("program:today", None, "get", {"anonymous": 302}, 200),
    ("program:progress", "cohort", "get", {"anonymous": 302, **STAFF_ONLY, "ta": 200}, 403),
    ("program:progress", "other_cohort", "get", {"anonymous": 302, **STAFF_ONLY}, 403),
    (
        "program:group-progress",
        "own_group",
        "get",
        {"anonymous": 302, **STAFF_ONLY, "ta": 200, "participant": 200},
        403,
    ),
    ("program:group-progress", "foreign_group", "get", {"anonymous": 302, **STAFF_ONLY, "ta": 200}, 403),
    ("program:group-progress", "other_cohort_group", "get", {"anonymous": 302, **STAFF_ONLY}, 403),
    ("program:needs-help", "cohort", "get", {"anonymous": 302, **STAFF_ONLY, "ta": 200}, 403),
    ("program:fleet", None, "get", {"anonymous": 302, **STAFF_ONLY, "ta": 200}, 403),
    ("program:my-progress", None, "get", {"anonymous": 302}, 200),
    ("program:feedback", None, "get", {"anonymous": 302, "ta": 200, "participant": 200}, 403),
    ("program:survey", "cohort", "get", {"anonymous": 302, "participant": 200}, 403),
    ("program:survey", "other_cohort", "get", {"anonymous": 302}, 403),
    ("program:feedback-summary", "cohort", "get", {"anonymous": 302, **STAFF_ONLY}, 403),
    ("grants:alumni", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("grants:alumnus", "not_alumnus", "get", {"anonymous": 302, "organizer": 404}, 403),
    ("grants:my-alumni", None, "get", {"anonymous": 302}, 403),
    ("updates:sign-up", None, "get", {}, 200),
    ("updates:confirm", "bad_link", "get", {}, 404),
    ("updates:unsubscribe", "bad_link", "get", {}, 404),
    ("updates:announcements", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("updates:notify-call", "call", "post", {"anonymous": 302, "organizer": 302}, 403),
    ("updates:access", None, "get", {}, 200),
    ("updates:access-requests", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("program:cohort-feed", "cohort", "post", {"anonymous": 302, "organizer": 302, "coordinator": 302}, 403),
    (
        "program:withdraw-enrollment",
        "participant_enrollment",
        "post",
        {"anonymous": 302, "organizer": 302, "coordinator": 302},
        403,
    ),
    ("applications:detail", "application", "get", {"anonymous": 302, "organizer": 200, "applicant": 200}, 403),
    (
        "applications:detail",
        "application_in_review",
        "get",
        {"anonymous": 302, "organizer": 200, "reviewer": 200, "other_applicant": 200},
        403,
    ),
    ("applications:withdraw", "application", "post", {"anonymous": 302, "applicant": 302}, 403),
    ("applications:withdraw", "application", "get", {"anonymous": 405}, 405),
    ("grants:detail", "grant", "get", {"anonymous": 302, "organizer": 200, "applicant": 200}, 403),
    ("grants:list", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("grants:new", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("grants:extend", "grant", "post", {"anonymous": 302, "organizer": 302}, 403),
    ("grants:decide", "grant_approve", "post", {"anonymous": 302, "organizer": 302}, 403),
    # Payments need the payments permission on top of the organizer role (tests/grants/test_pages.py).
    ("grants:payments", None, "get", {"anonymous": 302}, 403),
    ("grants:batch", "missing_batch", "get", {"anonymous": 302}, 403),
    ("grants:batch-export", "missing_batch_csv", "get", {"anonymous": 302}, 403),
    ("grants:ledger", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("grants:payout", "grant", "get", {"anonymous": 302, "organizer": 200, "applicant": 200}, 403),
    ("grants:payout", "grant", "post", {"anonymous": 302, "applicant": 200}, 403),  # a form with errors
    ("grants:payout-reveal", "grant", "post", {"anonymous": 302}, 403),  # the payments role only
    ("grants:payout-confirm", "grant", "post", {"anonymous": 302, "organizer": 302}, 403),
    ("grants:tax-form-upload", "grant", "post", {"anonymous": 302, "applicant": 302}, 403),
    ("grants:tax-form", "tax_form", "get", {"anonymous": 302, "applicant": 200}, 403),
    ("grants:tax-form-review", "tax_form", "post", {"anonymous": 302}, 403),
    ("grants:batch-file", "missing_batch_sepa", "post", {"anonymous": 302}, 403),
    ("grants:statements", None, "get", {"anonymous": 302}, 403),
    ("grants:statement-entry", "missing_entry", "post", {"anonymous": 302}, 403),
    ("grants:checkin", "missing_batch", "get", {"anonymous": 302}, 404),
    ("grants:where", "grant", "get", {"anonymous": 302, "organizer": 200, "applicant": 200}, 403),
    ("grants:outcomes", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("grants:ta-letter", "missing_offer", "post", {"anonymous": 302, "organizer": 404}, 403),
    ("grants:send-letter", "grant", "post", {"anonymous": 302, "organizer": 302}, 403),
    ("grants:accept", "missing_batch", "get", {"anonymous": 302}, 404),
    ("grants:letter-pdf", "missing_batch", "get", {"anonymous": 302}, 404),
    # Everyone else is sent to the admin login, which refuses a signed-in non-staff person (below).
    ("admin:index", None, "get", STAFF_ONLY, 302),
    ("applications:questionnaire", "application", "get", {"anonymous": 302, "applicant": 200}, 403),
    ("applications:autosave", "application", "post", {"anonymous": 302, "applicant": 200}, 403),
    ("applications:document", "document", "get", {"anonymous": 302, "organizer": 200, "applicant": 200}, 403),
    (
        "applications:document",
        "document_in_review",
        "get",
        {"anonymous": 302, "organizer": 200, "reviewer": 200, "other_applicant": 200},
        403,
    ),
    ("applications:answer-file", "answer", "get", {"anonymous": 302, "organizer": 200, "applicant": 200}, 403),
    ("applications:link", "link", "get", {}, 200),
    ("applications:link", "bad_link", "get", {}, 410),
    ("applications:apply", "call", "get", {}, 200),
    ("applications:inbox", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:inbound", "inbound", "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:inbound-raw", "inbound", "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:inbound-reprocess", "inbound", "post", {"anonymous": 302, "organizer": 302}, 403),
    ("applications:calls", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:search", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:duplicates", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:duplicate-dismiss", "missing_duplicate", "post", {"anonymous": 302, "organizer": 404}, 403),
    ("applications:duplicate-merge", "missing_duplicate", "post", {"anonymous": 302, "organizer": 404}, 403),
    ("applications:retention", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:retention-hold", "application", "post", {"anonymous": 302, "organizer": 302}, 403),
    ("applications:retention-release", "missing_hold", "post", {"anonymous": 302, "organizer": 404}, 403),
    ("applications:referee-letter", "referee_link", "get", {}, 200),  # public: the link is the key
    ("applications:referee-letter", "bad_link", "get", {}, 410),
    ("applications:referee-add", "application", "post", {"anonymous": 302, "applicant": 302}, 403),
    ("applications:referee-resend", "referee", "post", {"anonymous": 302, "applicant": 302}, 403),
    ("applications:referee-replace", "referee", "post", {"anonymous": 302, "applicant": 302}, 403),
    ("applications:referee-letter-file", "referee", "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:call-new", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:call", "call", "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:queue", "call", "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:queue-export", "call_csv", "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:assign", "call", "post", {"anonymous": 302, "organizer": 302}, 403),
    ("applications:bulk", "call", "post", {"anonymous": 302, "organizer": 302}, 403),
    ("applications:my-reviews", None, "get", {"anonymous": 302, "reviewer": 200}, 403),
    ("applications:review", "application_in_review", "get", {"anonymous": 302, "reviewer": 200}, 403),
    ("applications:review", "application", "get", {"anonymous": 302}, 403),
    ("applications:conflict", "application_in_review", "post", {"anonymous": 302, "reviewer": 302}, 403),
    ("applications:outbox", None, "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:outbox-edit", "draft", "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:offer", "application", "post", {"anonymous": 302, "applicant": 404}, 403),
    ("applications:promotion", "missing_promotion", "post", {"anonymous": 302, "organizer": 404}, 403),
    ("applications:interview", "application", "get", {"anonymous": 302, "applicant": 200}, 403),
    ("applications:my-interviews", None, "get", {"anonymous": 302, "interviewer": 200}, 403),
    ("applications:scorecard", "interview", "get", {"anonymous": 302, "organizer": 200, "interviewer": 200}, 403),
    ("applications:match-interviews", "call", "post", {"anonymous": 302, "organizer": 302}, 403),
    ("applications:analytics", "call", "get", {"anonymous": 302, "organizer": 200}, 403),
    ("applications:analytics-csv", "call", "get", {"anonymous": 302, "organizer": 200}, 403),
    (
        "applications:detail",
        "application_interviewed",
        "get",
        {"anonymous": 302, "organizer": 200, "interviewer": 200, "other_applicant": 200},
        403,
    ),
]

IGNORED_PREFIXES = ("account_", "mfa_", "admin:")


def _named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            yield from _named_urls(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_is_in_the_matrix():
    ours = {name for name in _named_urls() if not name.startswith(IGNORED_PREFIXES)}

    assert ours - {row[0] for row in MATRIX} == set()


@pytest.fixture
def world(
    cohort,
    other_cohort,
    ta,
    participant,
    applicant,
    other_applicant,
    organizer,
    reviewer,
    interviewer,
    coordinator,
    nobody,
):
    call = CallFactory(cohort=cohort)
    application = create_application(call, applicant, source="email")
    in_review = create_application(CallFactory(), other_applicant, source="email")
    for state in ["submitted", "in_review"]:
        transition_application(in_review, to=state, by=organizer)
    ReviewAssignment.objects.create(application=in_review, reviewer=reviewer)
    interviewed = create_application(CallFactory(), other_applicant, source="web")
    for state in ["submitted", "in_review", "interview"]:
        transition_application(interviewed, to=state, by=organizer)
    slot = InterviewSlot.objects.create(interviewer=interviewer, starts_at=timezone.now() + timedelta(days=2))
    interview = Interview.objects.create(application=interviewed, slot=slot, interviewer=interviewer)
    grant = propose_grant(applicant, monthly_stipend=3000, start_date=cohort.starts_on, by=organizer)
    bank_details(applicant)
    tax_form = add_tax_form(
        applicant, by=applicant, year=2026, kind="W-9", upload=ContentFile(b"%PDF-1.4 w9", "w9.pdf")
    )
    apply_template(call)
    pdf = b"%PDF-1.4 not parsed here"
    document = Document.objects.create(application=application, file=ContentFile(pdf, "x"), original_filename="cv.pdf")
    document_in_review = Document.objects.create(
        application=in_review, file=ContentFile(pdf, "y"), original_filename="cv.pdf"
    )
    question = call.questionnaire.questions.first()
    answer = Answer.objects.create(
        application=application, question=question, file=ContentFile(pdf, "z"), original_filename="a.pdf"
    )
    draft = outbox.queue_email(
        "decision-rejected",
        to=applicant.email,
        context={"application": application, "name": "Bob", "call": call, "cohort": cohort, "note": ""},
        idempotency_key="matrix-draft",
        application=application,
        draft=True,
    )
    call.referees_required = 2
    call.save(update_fields=["referees_required"])
    with_letter = referees.name_referee(application, name="Rita Ref", email="rita@example.org")
    referees.submit_letter(with_letter, filename="letter.pdf", data=corpus_pdf("letter"))
    asked = referees.name_referee(application, name="Sam Ref", email="sam@example.org")
    referee_token = re.search(r"/applications/referees/([^/\s]+)/", asked.application.outbound_messages.get(
        to_email="sam@example.org").body_text).group(1)  # fmt: skip
    raw = b"From: Someone <someone@example.org>\r\nSubject: hi\r\nMessage-ID: <matrix@example.org>\r\n\r\nhello\r\n"
    inbound = intake.ingest(raw, source="file").message
    day = cohort.days.order_by("date").first()
    own_group = PairGroup.objects.create(day=day, workspace=f"{cohort.slug}-d01-g01")
    own_group.members.add(participant)
    foreign_group = PairGroup.objects.create(day=day, workspace=f"{cohort.slug}-d01-g02")
    foreign_group.members.add(make_person("someone.else@example.org"))
    other_group = PairGroup.objects.create(day=other_cohort.days.first(), workspace=f"{other_cohort.slug}-d01-g01")
    people = {
        "nobody": nobody,
        "organizer": organizer,
        "coordinator": coordinator,
        "reviewer": reviewer,
        "interviewer": interviewer,
        "ta": ta,
        "participant": participant,
        "applicant": applicant,
        "other_applicant": other_applicant,
    }
    objects = {
        "cohort": {"slug": cohort.slug},
        "other_cohort": {"slug": other_cohort.slug},
        "application": {"pk": application.pk},
        "application_in_review": {"pk": in_review.pk},
        "grant": {"pk": grant.pk},
        "call": {"slug": call.slug},
        "call_csv": {"slug": call.slug, "fmt": "csv"},
        "document": {"pk": application.pk, "document_pk": document.pk},
        "document_in_review": {"pk": in_review.pk, "document_pk": document_in_review.pk},
        "answer": {"pk": application.pk, "answer_pk": answer.pk},
        "link": {"token": links.create_link(application)},
        "bad_link": {"token": "not-a-token"},
        "inbound": {"pk": inbound.pk},
        "missing_promotion": {"pk": 999999},
        "grant_approve": {"pk": grant.pk, "action": "approve"},
        "missing_batch": {"pk": 999999},
        "bad_feed": {"token": "not-a-real-token"},
        "missing_offer": {"offer_pk": 999999},
        "missing_batch_csv": {"pk": 999999, "fmt": "csv"},
        "missing_batch_sepa": {"pk": 999999, "fmt": "sepa"},
        "missing_entry": {"pk": 999999, "action": "dismiss"},
        "tax_form": {"pk": tax_form.pk},
        "interview": {"pk": interview.pk},
        "draft": {"pk": draft.pk},
        "application_interviewed": {"pk": interviewed.pk},
        "not_alumnus": {"pk": participant.pk},
        "participant_person": {"pk": participant.pk},
        "missing_duplicate": {"pk": 999999},
        "missing_hold": {"pk": 999999},
        "missing_help": {"slug": cohort.slug, "pk": 999999, "action": "claim"},
        "missing_workspace": {"slug": cohort.slug, "workspace": "no-such-workspace"},
        "referee": {"pk": application.pk, "referee_pk": with_letter.pk},
        "referee_link": {"token": referee_token},
        "participant_enrollment": {"slug": cohort.slug, "pk": participant.enrollments.get(cohort=cohort).pk},
        "own_group": {"slug": cohort.slug, "workspace": own_group.workspace},
        "foreign_group": {"slug": cohort.slug, "workspace": foreign_group.workspace},
        "other_cohort_group": {"slug": other_cohort.slug, "workspace": other_group.workspace},
    }
    return people, objects


def _cases():
    for name, key, method, expected, default in MATRIX:
        for person in PEOPLE:
            yield pytest.param(
                name, key, method, person, expected.get(person, default), id=f"{name}[{key}]-{method}-{person}"
            )


@pytest.mark.parametrize("name,key,method,person,status", list(_cases()))
def test_permission_matrix(client, world, name, key, method, person, status):
    people, objects = world
    if key and key.startswith("role:"):
        kwargs = {"role": key.split(":", 1)[1]}
    elif key and key.startswith("panel:"):
        _, role, panel = key.split(":")
        kwargs = {"role": role, "key": panel}
    else:
        kwargs = objects.get(key) if key else None
    if person != "anonymous":
        client.force_login(people[person])

    response = getattr(client, method)(reverse(name, kwargs=kwargs))
    response.close()  # file downloads stream from an open file

    assert response.status_code == status


def test_participant_of_another_cohort_cannot_see_this_one(client, cohort, other_cohort, db):
    outsider = make_person("outsider@example.org")
    enroll(other_cohort, outsider, role=Role.PARTICIPANT)
    client.force_login(outsider)

    assert client.get(reverse("program:cohort", kwargs={"slug": other_cohort.slug})).status_code == 200
    assert client.get(reverse("program:cohort", kwargs={"slug": cohort.slug})).status_code == 403


def test_admin_login_refuses_signed_in_non_staff_and_sends_strangers_to_allauth(client, participant):
    assert client.get(reverse("admin:login")).url == "/accounts/login/?next=%2Fadmin%2Flogin%2F"

    client.force_login(participant)

    assert client.get(reverse("admin:login")).status_code == 403
