"""Build a believable demo program, idempotently: running it twice changes nothing.

Lives in `demo`, the one place allowed to import all three apps: it fills every one of them through
their own services, so the demo is what the real code makes.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from applications.models import Answer, Application, Call, CallKind, InterviewSlot, Review, ReviewAssignment
from applications.questionnaires.templates import apply_template
from applications.review.reviews import apply_rubric, save_review
from applications.services import create_application, transition_application
from grants.models import Grant
from grants.payments.installments import mark_due
from grants.services import approve_grant, cancel_grant, propose_grant, transition_grant
from program.cohorts import pairs, schedule, staffing
from program.models import Cohort, LabMachine, PairGroup, Role, Room, User
from program.services import enroll, generate_program_days, grant_role

DEMO_PASSWORD = "runway-demo"
# `make run` starts lab agents on these ports with this token (scripts/run-local.sh).
DEMO_AGENT_PORTS = (8751, 8752)
DEMO_AGENT_TOKEN = "runway-demo-lab-agent-token"
# A fixed TOTP secret so a demo organizer can add it to an authenticator app (demo data only!).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Radia",
    "Ken",
    "Margaret",
    "Dennis",
    "Shafi",
    "Leslie",
    "Sophie",
    "Tim",
    "Fei-Fei",
    "Yoshua",
    "Daphne",
    "Andrej",
    "Chelsea",
    "Ilya",
    "Jürgen",
    "Noam",
    "Ruth",
    "Sergey",
    "Zeynep",
    "Chidi",
    "Priya",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Johnson",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "McCarthy",
    "Perlman",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Goldwasser",
    "Lamport",
    "Wilson",
    "Berners-Lee",
    "Li",
    "Bengio",
    "Koller",
    "Karpathy",
    "Finn",
    "Sutskever",
    "Schmidhuber",
    "Shazeer",
    "Müller",
    "Brin",
    "Tufekci",
    "Okafor",
    "Raman",
]

STAFF = [
    ("organizer@runway.test", "Olivia Organizer", [Role.ORGANIZER]),
    ("payments@runway.test", "Paula Payments", [Role.ORGANIZER]),
    ("coordinator@runway.test", "Cody Coordinator", [Role.COORDINATOR]),
    ("reviewer@runway.test", "Rhea Reviewer", [Role.REVIEWER]),
    ("interviewer@runway.test", "Ivan Interviewer", [Role.INTERVIEWER, Role.REVIEWER]),
]

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
STATE_MIX = (
    ["received"] * 6
    + ["questionnaire_sent"] * 8
    + ["submitted"] * 10
    + ["in_review"] * 12
    + ["interview"] * 6
    + ["accepted"] * 7
    + ["waitlisted"] * 4
    + ["rejected"] * 5
    + ["withdrawn"] * 2
)
assert len(STATE_MIX) == 60
GRANT_STATES = ["proposed", "approved", "active", "completed", "cancelled"]
GRANT_PATHS = {
    "proposed": [],
    "approved": ["approved"],
    "active": ["approved", "active"],
    "completed": ["approved", "active", "completed"],
    "cancelled": ["approved", "cancelled"],
}


class Command(BaseCommand):
    help = "Create the MLAB3 demo cohort, calls, applications, grants and one login per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="Build N copies of the demo program (benchmarks).")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, scale: int, quiet: bool, **options):
        self.rng = random.Random(3)
        with transaction.atomic():
            staff = {email: self._person(email, name, roles) for email, name, roles in STAFF}
            self._organizer_totp(staff["organizer@runway.test"])
            self._organizer_totp(staff["payments@runway.test"])
            staff["payments@runway.test"].user_permissions.add(Permission.objects.get(codename="make_payments"))
            for copy in range(scale):
                self._program(copy, staff["organizer@runway.test"], staff["coordinator@runway.test"])
        if not quiet:
            self._print_logins()

    # People -----------------------------------------------------------------------------------
    def _person(self, email: str, name: str, roles=()) -> User:
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": name})
        if created:
            # Hash once and reuse: a fresh PBKDF2 hash per demo person would take most of a minute.
            if not hasattr(self, "_password_hash"):
                self._password_hash = make_password(DEMO_PASSWORD)
            user.password = self._password_hash
            user.save(update_fields=["password"])
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        for role in roles:
            grant_role(user, role)
        return user

    def _organizer_totp(self, organizer: User) -> None:
        if not Authenticator.objects.filter(user=organizer, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(organizer, DEMO_TOTP_SECRET)

    def _name(self, i: int) -> str:
        return f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + i // len(FIRST)) % len(LAST)]}"

    # The program ------------------------------------------------------------------------------
    def _program(self, copy: int, organizer: User, coordinator: User) -> None:
        suffix = "" if copy == 0 else f"-{copy + 1}"
        label = "" if copy == 0 else f" ({copy + 1})"
        cohort = self._cohort(copy, suffix, label)
        calls = self._calls(copy, suffix, label, cohort)
        kinds = [CallKind.PARTICIPANT] * 30 + [CallKind.TA] * 12 + [CallKind.GRANT] * 18
        accepted_grant_apps = []
        for i, (kind, state) in enumerate(zip(kinds, self._state_order(kinds))):
            email = "applicant@runway.test" if (i == 42 and copy == 0) else f"applicant{i + 1:02d}{suffix}@runway.test"
            person = self._person(email, "Alex Applicant" if email == "applicant@runway.test" else self._name(200 + i))
            application = Application.objects.filter(call=calls[kind], applicant=person).first()
            if application is None:
                application = create_application(calls[kind], person, source="email" if i % 3 else "web")
                for step in PATHS[state]:
                    actor = person if step == "withdrawn" else organizer
                    transition_application(application, to=step, by=actor, note="demo data")
            if kind == CallKind.GRANT and application.state == "accepted":
                accepted_grant_apps.append(application)
        self._grants(accepted_grant_apps, organizer)
        self._reviews(
            calls[CallKind.PARTICIPANT],
            [User.objects.get(email="reviewer@runway.test"), User.objects.get(email="interviewer@runway.test")],
        )
        if copy == 0:
            self._interview_slots(cohort, User.objects.get(email="interviewer@runway.test"))
            self._schedule(cohort)

    def _cohort(self, copy: int, suffix: str, label: str) -> Cohort:
        today = timezone.localdate()
        monday = today - timedelta(days=today.weekday())
        cohort, created = Cohort.objects.get_or_create(
            slug=f"mlab3{suffix}",
            defaults={
                "name": f"MLAB3{label}",
                "starts_on": monday,
                "ends_on": monday + timedelta(days=19),  # three weeks, ending on the third Saturday
                "timezone": "Europe/London",
                "optional_saturdays": True,
                "location": "London, Lab 2",
            },
        )
        if created:
            generate_program_days(cohort)
        for i in range(1, 5):
            ta = self._person(f"ta{i}{suffix}@runway.test", self._name(100 + i + 10 * copy))
            enroll(cohort, ta, role=Role.TA)
        for i in range(1, 33):
            person = self._person(f"participant{i:02d}{suffix}@runway.test", self._name(i + 40 * copy))
            enroll(cohort, person, role=Role.PARTICIPANT)
        return cohort

    def _calls(self, copy: int, suffix: str, label: str, cohort: Cohort) -> dict:
        calls = {}
        for kind, name, slug, with_cohort in [
            (CallKind.PARTICIPANT, f"MLAB3 participants{label}", f"mlab3-participants{suffix}", True),
            (CallKind.TA, f"MLAB3 TAs{label}", f"mlab3-ta{suffix}", True),
            (CallKind.GRANT, f"Retraining grants, rolling{label}", f"retraining-grants{suffix}", False),
        ]:
            calls[kind], _ = Call.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "kind": kind,
                    "cohort": cohort if with_cohort else None,
                    "opens_at": timezone.now() - timedelta(days=30),
                    "closes_at": None if kind == CallKind.GRANT else timezone.now() + timedelta(days=30),
                    "is_default": kind == CallKind.GRANT and copy == 0,
                },
            )
            apply_template(calls[kind])
            apply_rubric(calls[kind])

        return calls

    def _schedule(self, cohort: Cohort) -> None:
        """Rooms, lab machines (served by the demo agents `make run` starts), pairs, TAs and lectures."""

        rooms = [Room.objects.get_or_create(name=name, defaults={"pairs_per_ta": 4})[0] for name in ("Lab A", "Lab B")]
        for i in range(1, 17):
            LabMachine.objects.get_or_create(
                name=f"demo-gpu{i:02d}",
                defaults={
                    "url": f"http://127.0.0.1:{DEMO_AGENT_PORTS[i % len(DEMO_AGENT_PORTS)]}",
                    "token": DEMO_AGENT_TOKEN,
                    "room": rooms[i % 2],
                },
            )
        if PairGroup.objects.filter(day__cohort=cohort).exists():
            return
        days = list(cohort.days.order_by("date"))
        pairs.generate(cohort, from_day=days[0].date)
        staffing.assign_tas(cohort, from_day=days[0].date)
        speakers = list(User.objects.filter(enrollments__cohort=cohort, enrollments__role=Role.TA).order_by("email"))
        for number, day in enumerate(days):
            if not day.is_optional:
                schedule.add_session(
                    day,
                    title="Lecture",
                    starts=time(9, 30),
                    ends=time(10, 30),
                    speaker=speakers[number % len(speakers)],
                    room=rooms[0],
                )
                schedule.add_session(
                    day, title="Pair programming", starts=time(10, 45), ends=time(17, 0), kind="pairing", room=rooms[1]
                )

    def _state_order(self, kinds: list[str]) -> list[str]:
        """Spread the 60 states over the calls: grant applications include 5+ accepted ones."""
        states = list(STATE_MIX)
        self.rng.shuffle(states)
        grant_idx = [i for i, k in enumerate(kinds) if k == "grant"]
        accepted = [i for i, s in enumerate(states) if s == "accepted"]
        # Put five acceptances into the grant call (they become the five demo grants).
        for target, source in zip(grant_idx[:5], accepted[:5]):
            states[target], states[source] = states[source], states[target]
        return states

    def _grants(self, applications, organizer: User) -> None:
        """Five grants, one per state, made by the real services (installments, check-ins, events)."""

        today = timezone.localdate()
        for index, (application, state) in enumerate(zip(applications[:5], GRANT_STATES)):
            if Grant.objects.filter(application=application).exists():
                continue
            grant = propose_grant(
                application.applicant,
                monthly_stipend=Decimal("3000.00"),
                # The active grant started 40 days ago, so it has a paid-able installment and a check-in.
                start_date=today - timedelta(days=40) if state == "active" else today + timedelta(days=14 + index),
                study_plan="Replicate DQN, A2C and PPO; work through Sutton & Barto chapters 1–13.",
                application=application,
                by=organizer,
            )
            if state == "proposed":
                continue
            approve_grant(grant, by=organizer, note="demo data")
            if state == "cancelled":
                cancel_grant(grant, by=organizer, reason="demo data: took a job before starting")
            elif state in ("active", "completed"):
                transition_grant(grant, to="active", by=organizer, note="demo data: letter accepted")
                if state == "completed":
                    transition_grant(grant, to="completed", by=organizer, note="demo data")
        mark_due(today)

    def _answers(self, call) -> None:
        """Background and where-they-heard answers for every application past the questionnaire."""

        questions = {q.key: q for q in call.questionnaire.questions.filter(key__in=["background", "heard_from"])}
        sources = ["A friend", "AI Alignment Forum", "LessWrong", "University", "Twitter"]
        for n, application in enumerate(
            call.applications.exclude(state__in=["received", "questionnaire_sent"]).order_by("pk")
        ):
            if "background" in questions:
                Answer.objects.get_or_create(
                    application=application,
                    question=questions["background"],
                    defaults={"value": "Student" if n % 3 == 0 else "Professional"},
                )
            if "heard_from" in questions:
                Answer.objects.get_or_create(
                    application=application,
                    question=questions["heard_from"],
                    defaults={"value": sources[n % len(sources)]},
                )

    def _reviews(self, call, reviewers: list[User]) -> None:
        """Two submitted reviews for every application past submission, scored by a fixed pattern."""

        keys = list(call.criteria.values_list("key", flat=True))
        reviewed_states = ("in_review", "interview", "accepted", "waitlisted", "rejected")
        for n, application in enumerate(call.applications.filter(state__in=reviewed_states).order_by("pk")):
            for k, reviewer in enumerate(reviewers):
                if ReviewAssignment.objects.filter(application=application, reviewer=reviewer).exists():
                    continue
                ReviewAssignment.objects.create(application=application, reviewer=reviewer, notified_at=timezone.now())
                if application.state == "in_review" and (n + k) % 3 == 0:
                    continue  # some reviews still to do
                base = 2 + (n * 7 + k * 3) % 4  # 2..5; the second reviewer is a little harsher
                scores = {key: max(1, min(5, base - k + (i % 2))) for i, key in enumerate(keys)}
                if not Review.objects.filter(application=application, reviewer=reviewer).exists():
                    save_review(
                        application,
                        reviewer=reviewer,
                        scores=scores,
                        comment="Demo review.",
                        recommendation="yes" if base >= 4 else "maybe",
                        submit=True,
                    )

    def _interview_slots(self, cohort, interviewer: User) -> None:

        first = timezone.make_aware(datetime.combine(cohort.starts_on + timedelta(days=7), time(10, 0)))
        for k in range(6):
            InterviewSlot.objects.get_or_create(
                interviewer=interviewer, starts_at=first + timedelta(hours=k), defaults={"minutes": 45}
            )

    def _print_logins(self) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data ready. Demo logins (password for all: runway-demo):"))
        rows = [
            ("organizer", "organizer@runway.test", f"two-factor required; TOTP secret {DEMO_TOTP_SECRET}"),
            ("payments", "payments@runway.test", "an organizer with the payments permission; same TOTP secret"),
            ("coordinator", "coordinator@runway.test", ""),
            ("reviewer", "reviewer@runway.test", ""),
            ("interviewer", "interviewer@runway.test", "also a reviewer"),
            ("TA", "ta1@runway.test", "ta1 … ta4"),
            ("participant", "participant01@runway.test", "participant01 … participant32"),
            ("applicant", "applicant@runway.test", "has a grant application"),
        ]
        for role, email, note in rows:
            self.stdout.write(f"  {role:<12} {email:<28} {note}")
        self.stdout.write("  Or sign in with an emailed one-time code: mail is printed on the web console.")
